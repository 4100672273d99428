// Recognising a reinstalled PC by its SMBIOS uuid. Some boards ship a placeholder uuid shared by every
// unit; matching on those would merge different PCs into one device, so they never match.
const PLACEHOLDER_UUIDS = new Set([
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '03000200-0400-0500-0006-000700080009',
]);

/** The uuid used to find an earlier enrollment of this PC, or null when it cannot identify one PC. */
export function enrollmentUuid(uuid: string | null): string | null {
  const normal = uuid?.trim().toLowerCase() ?? '';
  if (normal === '' || PLACEHOLDER_UUIDS.has(normal)) return null;
  return normal;
}


/** When a known PC may enroll again (the collector passes it with each enrolment). */
export interface ReenrollPolicy {
  /** How long the device must have been offline (and silent) before its uuid may be enrolled again. */
  afterOfflineMs: number;
  /** The enrolling agent's source address, kept with the event. */
  address: string;
}

/**
 * The `devices.revoked` column. A revoked device's token is refused and its uuid may not enroll
 * again — a revoked PC would otherwise come back by itself once offline long enough — until an
 * administrator allows it (`reenrollAllowed`); that re-enrolment then clears the flag.
 */
export const REVOKED = { no: 0, yes: 1, reenrollAllowed: 2 } as const;
export type Revocation = 'revoked' | 'reenroll-allowed';

export function revocationOf(value: unknown): Revocation | null {
  const n = Number(value);
  return n === REVOKED.yes ? 'revoked' : n === REVOKED.reenrollAllowed ? 'reenroll-allowed' : null;
}

/** The earlier enrolment of this uuid, as the engines read it (`findEnrolled`). */
export interface EnrolledRow {
  id: string;
  user: string | null;
  online: boolean;
  lastSeen: number;
  revocation: Revocation | null;
  /** Enrolled and never heard from since (no hello, no report): its `enrolled` answer may have been lost. */
  neverConnected: boolean;
}

/**
 * Whether a re-enrolment moves the identity now. A PC reinstalled has been silent since; one still
 * online or seen lately is someone else with the fleet secret and a copied uuid (it is in every
 * report), so the device stays with the PC that has it, and an admin sees the refusal.
 */
export function reenrollAllowed(existing: EnrolledRow, policy: ReenrollPolicy | undefined, now: number): boolean {
  if (existing.revocation === 'revoked') return false;
  // An administrator allowed it; the revoked token was refused and its connection cut, so no wait.
  if (!policy || existing.revocation === 'reenroll-allowed') return true;
  // An identity nothing ever used: the PC that asked for it lost the answer (a connection cut
  // mid-frame) and asks again. Waiting the offline window would lock it out for nothing.
  if (existing.neverConnected && !existing.online) return true;
  return !existing.online && now - existing.lastSeen >= policy.afterOfflineMs;
}

export function enrolledRow(row: Record<string, unknown>): EnrolledRow {
  return {
    id: String(row.id),
    user: typeof row.user_name === 'string' ? row.user_name : null,
    online: Number(row.online) === 1 || row.online === true,
    lastSeen: Number(row.last_seen),
    revocation: revocationOf(row.revoked),
    neverConnected: Number(row.last_seq) === -1 && Number(row.first_seen) === Number(row.last_seen),
  };
}
