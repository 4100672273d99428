// The request schedule of a sync, computed from the tenant's size: which calls readTenant makes, in
// which throttling class, and the least time each step needs without going over its class limit.
// Pure; the bench prints it, and an admin can see before turning the join on how long a first sync takes.
import { DEFAULT_LIMITS, type ClassLimit, type ThrottleClass } from './limits.ts';
import { resourceUnits } from './http.ts';
import { SIGN_IN_PAGE } from './read.ts';

export interface TenantSize {
  readonly users: number;
  readonly devices: number;
  /** Distinct users seen on PCs (their keys and sign-ins are read). */
  readonly pcUsers: number;
  /** Share of those whose registration report shows a security key (their fido2Methods are read). */
  readonly keyShare: number;
  readonly targetGroups: number;
  /** Transitive user members summed over the target groups. */
  readonly groupMembers: number;
  /** Windows sign-ins in the look-back window, tenant-wide. */
  readonly signIns: number;
  /** Devices changed since the last delta link (incremental sync); null = first full sync. */
  readonly changedDevices: number | null;
}

/** Page sizes Graph uses; the registration report's and devices/delta's are UNVERIFIED (graph.md §3.2, §2.2). */
export const PAGE = { devices: 200, members: 999, registration: 1000, signIns: SIGN_IN_PAGE } as const;
const BATCH = 20;

export interface ScheduleStep {
  readonly step: string;
  readonly cls: ThrottleClass;
  readonly requests: number;
  /** Units charged to the class: requests for reports, resource units for directory. */
  readonly units: number;
  /** HTTP round trips ($batch carries up to 20 requests). */
  readonly roundTrips: number;
  /** The least time the class limit allows for this step alone, in seconds. */
  readonly floorSeconds: number;
}

const pages = (n: number, size: number): number => Math.max(1, Math.ceil(n / size));

/** Steps run one after another (readTenant's order), so their floors add up. */
export function syncSchedule(size: TenantSize, limits: Readonly<Record<ThrottleClass, ClassLimit>> = DEFAULT_LIMITS, page: Readonly<Record<keyof typeof PAGE, number>> = PAGE): ScheduleStep[] {
  // Like the Throttle: a full window (plus the 1 s arrival margin) per `units` of the class limit.
  const floor = (cls: ThrottleClass, units: number): number => {
    const l = limits[cls];
    return Math.max(0, Math.ceil(units / l.units) - 1) * (l.windowMs + 1_000) / 1000;
  };
  const step = (name: string, cls: ThrottleClass, requests: number, unitEach: number, roundTrips = requests): ScheduleStep => ({
    step: name, cls, requests, units: requests * unitEach, roundTrips, floorSeconds: floor(cls, requests * unitEach),
  });
  const withKeys = Math.ceil(size.pcUsers * size.keyShare);
  const reportsBatch = Math.min(BATCH, limits.reports.units);
  return [
    step('policy (FIDO2 + TAP)', 'directory', 1, 1),
    step('target groups: exists?', 'directory', size.targetGroups, resourceUnits('GET', '/v1.0/groups/g?$select=id')),
    step('target groups: transitive members', 'directory', Math.max(size.targetGroups, pages(size.groupMembers, page.members)), resourceUnits('GET', '/v1.0/groups/g/transitiveMembers/microsoft.graph.user?$select=id')),
    step(size.changedDevices === null ? 'devices/delta (full)' : 'devices/delta (changes)', 'directory', pages(size.changedDevices ?? size.devices, page.devices), 1),
    step('users seen on PCs ($batch)', 'directory', size.pcUsers, resourceUnits('GET', '/users/u?$select=id'), Math.ceil(size.pcUsers / BATCH)),
    step('registration report', 'reports', pages(size.users, page.registration), 1),
    step(`users' fido2Methods ($batch of ${reportsBatch})`, 'reports', withKeys, 1, Math.ceil(withKeys / reportsBatch)),
    step('Windows sign-ins (beta, tenant-wide)', 'reports', pages(size.signIns, page.signIns), 1),
  ];
}

/** Total floor: the steps' floors add up because readTenant runs them in sequence. */
export function scheduleSeconds(steps: readonly ScheduleStep[]): number {
  return steps.reduce((sum, s) => sum + s.floorSeconds, 0);
}
