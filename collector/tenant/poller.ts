// Reads the tenant on reference/graph.md §10.3's cadences and stores each fact with its fetch time.
// Every tick (once a minute) the poller first claims the tenant's lease in the store: with several
// collectors on one PostgreSQL database only the holder reads Graph, and when it dies its lease expires
// (LEASE_MS) and another collector continues from the stored facts and delta link. The schedule is
// derived from the stored fetch times, so a restart or a new holder does not read everything again.
import type { Store } from '../store/types.ts';
import type { GraphClient } from './http.ts';
import type { Clock } from './limits.ts';
import { fact, readDevices, readFido2Methods, readGroups, readPolicy, readRegistration, readSignIns, readUsers } from './read.ts';
import type { SignIn, User } from './schemas.ts';
import { okFact, unknownFact, type Fact, type TenantSnapshot } from './snapshot.ts';
import { DEVICE_STATE, FIDO2_PREFIX, decodeTenant, encodeFact, factRow, snapshotOf, type StoredTenant, type WholeFact } from './stored.ts';
import type { TenantFactRow } from '../store/common/tenant.ts';
import { Loop } from './loop.ts';

const MIN = 60_000;
export const CADENCE_MS = {
  policy: 15 * MIN,
  groups: 60 * MIN,
  devices: 15 * MIN,
  // The report lags hours behind a registration: reading it more often buys nothing.
  registration: 240 * MIN,
  // Users and their keys: new or changed users on every tick, everyone once a day.
  users: 24 * 60 * MIN,
  signIns: 15 * MIN,
} as const;
export type Job = keyof typeof CADENCE_MS;
export const TICK_MS = MIN;
/** Three missed ticks before another collector takes over. */
export const LEASE_MS = 3 * TICK_MS;
/** Sign-in evidence is personal data: kept no longer than the tenant's own retention (P1/P2: 30 days). */
export const SIGN_IN_RETENTION_MS = 30 * 24 * 60 * MIN;
/** A re-read overlaps the last one, since a sign-in can appear in the log minutes after it happened. */
const SIGN_IN_OVERLAP_MS = 60 * MIN;

export interface PollerOptions {
  readonly store: Store;
  readonly client: GraphClient;
  readonly tenantId: string;
  readonly passkeyApis: boolean;
  /** This collector's instance id: the lease holder's name. */
  readonly holder: string;
  readonly clock: Clock;
  /** Users seen on PCs (UPN or object id): only their keys and sign-ins are read. */
  readonly pcUsers: () => Promise<readonly string[]>;
  readonly onError?: (error: unknown) => void;
  /** Between ticks (default TICK_MS); the lease lasts three. */
  readonly tickMs?: number;
}

export interface TickResult {
  readonly leader: boolean;
  readonly jobs: Job[];
  /** Users whose keys were read in this tick. */
  readonly keyReads: string[];
}

const lower = (s: string) => s.toLowerCase();

export class TenantPoller {
  private readonly loop: Loop;
  /** Whether this collector held the lease at its last tick (the judge runs only where it does). */
  leading = false;

  constructor(private readonly o: PollerOptions) {
    this.loop = new Loop(o.tickMs ?? TICK_MS, async () => void (await this.tick()), (error) => o.onError?.(error));
  }

  /** One round: claim the lease, then run every job that is due. Tests drive it with a fake clock. */
  async tick(): Promise<TickResult> {
    const { store, tenantId, clock } = this.o;
    const nowMs = clock.now();
    this.leading = await store.claimTenantLease(tenantId, this.o.holder, new Date(nowMs), new Date(nowMs + (this.o.tickMs ? 3 * this.o.tickMs : LEASE_MS)));
    if (!this.leading) return { leader: false, jobs: [], keyReads: [] };
    const stored = decodeTenant(await store.tenantFacts(tenantId));
    const now = () => new Date(clock.now()).toISOString();
    const due = (job: Job, name: WholeFact = job as WholeFact) => {
      const f = stored.facts[name];
      return !f || Date.parse(f.fetchedAt) + CADENCE_MS[job] <= nowMs;
    };
    const jobs: Job[] = [];
    const rows: TenantFactRow[] = [];
    const put = (name: WholeFact, f: Fact<unknown>) => {
      stored.facts[name] = f;
      rows.push(factRow(name, f));
    };

    let policyChanged = false;
    if (!stored.facts.policy || due('policy')) {
      jobs.push('policy');
      const policy = this.o.passkeyApis
        ? await fact('policy', 'GET /v1.0/policies/authenticationMethodsPolicy', now, () => readPolicy(this.o.client))
        : unknownFact('GET /v1.0/policies/authenticationMethodsPolicy', now(), { kind: 'cloud', name: 'the passkey (FIDO2) policy API' });
      policyChanged = valueOf(stored.facts.policy) !== valueOf(policy);
      put('policy', policy);
    }
    if (due('groups') || policyChanged) {
      jobs.push('groups');
      put('groups', await fact('groups', 'GET /v1.0/groups/{id}/transitiveMembers/microsoft.graph.user', now, () =>
        readGroups(this.o.client, stored.facts.policy as TenantSnapshot['policy'])));
    }
    if (due('devices')) {
      jobs.push('devices');
      const read = await readDevices(this.o.client, stored.deviceState?.byObjectId ?? new Map(), stored.deviceState?.deltaLink ?? null, now);
      put('devices', read.devices);
      rows.push({ name: DEVICE_STATE, fetchedAt: clock.now(), body: encodeFact({ byObjectId: read.devicesByObjectId, deltaLink: read.devicesDeltaLink }) });
    }
    const previousRegistration = stored.facts.registration;
    if (due('registration')) {
      jobs.push('registration');
      put('registration', await readRegistration(this.o.client, now));
    }
    const keyReads = await this.readUsersAndKeys(stored, previousRegistration, due('users'), jobs, put, rows, now);
    if (due('signIns')) {
      jobs.push('signIns');
      put('signIns', await this.readSignIns(stored, nowMs, now));
    }
    if (rows.length > 0) await store.putTenantFacts(tenantId, rows);
    return { leader: true, jobs, keyReads };
  }

  /**
   * Users seen on PCs and their keys. On the daily refresh everyone is read again; otherwise only users
   * never read, and those whose registration row changed since the last report, have their keys read:
   * fido2Methods sits in the 5-per-10-s class.
   */
  private async readUsersAndKeys(
    stored: StoredTenant, previousRegistration: Fact<unknown> | undefined, full: boolean, jobs: Job[],
    put: (name: WholeFact, f: Fact<unknown>) => void, rows: TenantFactRow[], now: () => string,
  ): Promise<string[]> {
    const pcUsers = [...new Set((await this.o.pcUsers()).map(lower))];
    const known = stored.facts.users?.status === 'ok' ? (stored.facts.users.value as ReadonlyMap<string, User>) : null;
    const wanted = full || known === null ? pcUsers : pcUsers.filter((u) => !known.has(u));
    let users = stored.facts.users as Fact<ReadonlyMap<string, User>> | undefined;
    if (wanted.length > 0) {
      const read = await fact('users', 'POST /v1.0/$batch GET /users/{upn}', now, () => readUsers(this.o.client, wanted));
      // A partial read keeps the fact's older fetch time: its age is that of its oldest part.
      users = read.status === 'ok' && !full && known !== null && users
        ? okFact(users.source, users.fetchedAt, new Map([...known, ...read.value]))
        : read;
      put('users', users);
    }
    if (!users || users.status !== 'ok') return [];
    if (wanted.length > 0 || full) jobs.push('users');
    const registration = stored.facts.registration as TenantSnapshot['registration'] | undefined;
    const ids = [...new Set(pcUsers.map((u) => users.value.get(u)?.id).filter((id): id is string => id !== undefined).map(lower))];
    const changed = (id: string) => {
      if (!stored.fido2Methods.has(id)) return true;
      const before = previousRegistration?.status === 'ok' ? (previousRegistration.value as ReadonlyMap<string, unknown>).get(id) : undefined;
      const after = registration?.status === 'ok' ? registration.value.get(id) : undefined;
      return JSON.stringify(before) !== JSON.stringify(after);
    };
    const keyUsers = full ? ids : ids.filter(changed);
    if (keyUsers.length === 0 || !registration) return [];
    const methods = this.o.passkeyApis
      ? await readFido2Methods(this.o.client, keyUsers, registration, now)
      : new Map(keyUsers.map((id) => [id, unknownFact<never[]>(`GET /v1.0/users/${id}/authentication/fido2Methods`, now(), { kind: 'cloud', name: 'the fido2Methods API' })]));
    for (const [id, f] of methods) {
      stored.fido2Methods.set(id, f);
      rows.push(factRow(`${FIDO2_PREFIX}${id}`, f));
    }
    return [...methods.keys()];
  }

  /** New sign-ins since the last read (with an overlap), merged by id with those kept, older than 30 days dropped. */
  private async readSignIns(stored: StoredTenant, nowMs: number, now: () => string): Promise<Fact<ReadonlyMap<string, readonly SignIn[]>>> {
    const previous = stored.facts.signIns as Fact<ReadonlyMap<string, readonly SignIn[]>> | undefined;
    const oldest = nowMs - SIGN_IN_RETENTION_MS;
    const since = previous?.status === 'ok' ? Math.max(oldest, Date.parse(previous.fetchedAt) - SIGN_IN_OVERLAP_MS) : oldest;
    const users = stored.facts.users?.status === 'ok' ? (stored.facts.users.value as ReadonlyMap<string, User>) : new Map<string, User>();
    const ids = [...new Set([...users.values()].map((u) => lower(u.id)))];
    const read = await fact('signIns', 'GET /beta/auditLogs/signIns', now, () => readSignIns(this.o.client, ids, new Date(since)));
    if (read.status !== 'ok') return read;
    const merged = new Map<string, SignIn[]>();
    for (const source of [previous?.status === 'ok' ? previous.value : new Map(), read.value]) {
      for (const [user, list] of source) {
        const byId = new Map((merged.get(user) ?? []).map((s) => [s.id, s]));
        for (const s of list as readonly SignIn[]) if (Date.parse(s.createdDateTime) >= oldest) byId.set(s.id, s);
        merged.set(user, [...byId.values()]);
      }
    }
    return okFact(read.source, read.fetchedAt, merged);
  }

  /** The snapshot as stored now, for the join; null before the first policy read. */
  async snapshot(): Promise<TenantSnapshot | null> {
    return snapshotOf(this.o.tenantId, decodeTenant(await this.o.store.tenantFacts(this.o.tenantId)));
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}

function valueOf(f: Fact<unknown> | undefined): string | null {
  return f?.status === 'ok' ? encodeFact(f.value) : null;
}
