// The tenant join for 60,000 PCs (budget < 2 s, issue 13) and the request schedule of a first full sync
// of a 50,000-user / 60,000-device tenant, and of an incremental sync of 1,000 changes, within the
// Graph throttling limits. Run: npx tsx bench/tenant-join.ts [--pcs N] [--runs N]
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import { joinPc, prepare } from '../collector/tenant/join.ts';
import { syncSchedule, scheduleSeconds, PAGE, type TenantSize } from '../collector/tenant/schedule.ts';
import type { Device, Fido2Method, RegistrationDetails, SignIn, User } from '../collector/tenant/schemas.ts';
import { okFact, type TenantSnapshot } from '../collector/tenant/snapshot.ts';
import type { TenantPcFacts } from '../protocol/tenant.ts';
import { ATKEY_CARD, ATKEY_PRO, EXCLUDE_GROUP, FETCHED, INCLUDE_GROUP, NOW, TENANT, fido2Config, keyMethod, tapConfig } from '../sim/graph/snapshots.ts';
import { machine, median } from './support/fleet.ts';

const { values } = parseArgs({ options: { pcs: { type: 'string', default: '60000' }, users: { type: 'string', default: '50000' }, runs: { type: 'string', default: '5' } } });
const PCS = Number(values.pcs);
const USERS = Number(values.users);
const RUNS = Number(values.runs);

const uid = (i: number) => `u0000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const did = (i: number) => `d0000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

/** A tenant with a mix of every outcome: 1 in 10 users without a key, 1 in 20 excluded, 1 in 50 devices disabled. */
function bigSnapshot(): { snapshot: TenantSnapshot; pcs: TenantPcFacts[] } {
  const users = new Map<string, User>();
  const registration = new Map<string, RegistrationDetails>();
  const methods = new Map<string, ReturnType<typeof okFact<readonly Fido2Method[]>>>();
  const included = new Set<string>();
  const excluded = new Set<string>();
  const signIns = new Map<string, SignIn[]>();
  for (let i = 0; i < USERS; i++) {
    const id = uid(i);
    const u: User = { id, userPrincipalName: `user${i}@contoso.com`, userType: 'Member', accountEnabled: true };
    users.set(id, u).set(u.userPrincipalName!, u);
    const hasKey = i % 10 !== 0;
    registration.set(id, { id, userPrincipalName: u.userPrincipalName, isMfaRegistered: i % 7 !== 0, methodsRegistered: hasKey ? ['passKeyDeviceBound'] : [] });
    methods.set(id, okFact('GET fido2Methods', FETCHED, hasKey ? [keyMethod(i % 3 === 0 ? ATKEY_CARD : ATKEY_PRO)] : []));
    if (i % 20 !== 1) included.add(id);
    if (i % 20 === 2) excluded.add(id);
  }
  const devices = new Map<string, Device>();
  const pcs: TenantPcFacts[] = [];
  for (let i = 0; i < PCS; i++) {
    const deviceId = did(i);
    devices.set(deviceId, { id: `o${i}`, deviceId, accountEnabled: i % 50 !== 0, trustType: i % 2 ? 'AzureAd' : 'ServerAd', registrationDateTime: '2025-01-01T00:00:00Z', approximateLastSignInDateTime: '2026-11-20T00:00:00Z' });
    const user = i % USERS;
    if (i % 4 === 0) {
      signIns.set(uid(user), [{ id: `s${i}`, createdDateTime: '2026-11-29T08:00:00Z', userId: uid(user), status: { errorCode: 0 }, deviceDetail: { deviceId }, authenticationDetails: [{ authenticationMethod: 'FIDO2 security key', succeeded: true }] }]);
    }
    pcs.push({ pcId: `pc${i}`, tenantId: TENANT, deviceId, joinType: i % 2 ? 'entra' : 'hybrid', osBuild: 26100, user: `user${user}@contoso.com`, key: { aaguid: i % 3 === 0 ? ATKEY_CARD : ATKEY_PRO, model: 'ATKey', uvReady: i % 30 !== 0 } });
  }
  const snapshot: TenantSnapshot = {
    tenantId: TENANT,
    policy: okFact('GET policy', FETCHED, { fido2: fido2Config(), tap: tapConfig() }),
    groups: okFact('GET groups', FETCHED, new Map([[INCLUDE_GROUP, { exists: true, members: included }], [EXCLUDE_GROUP, { exists: true, members: excluded }]])),
    devices: okFact('GET devices/delta', FETCHED, devices),
    users: okFact('POST $batch users', FETCHED, users),
    registration: okFact('GET registration', FETCHED, registration),
    fido2Methods: methods,
    signIns: okFact('GET signIns', FETCHED, signIns),
  };
  return { snapshot, pcs };
}

console.log(`tenant join bench — ${machine()}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
const { snapshot, pcs } = bigSnapshot();
const times: number[] = [];
const outcomes = new Map<string, number>();
for (let run = 0; run < RUNS; run++) {
  const t0 = performance.now();
  const prepared = prepare(snapshot);
  outcomes.clear();
  for (const p of pcs) {
    const a = joinPc(p, prepared, NOW);
    outcomes.set(a.overall, (outcomes.get(a.overall) ?? 0) + 1);
  }
  times.push(performance.now() - t0);
}
console.log(`join of ${PCS.toLocaleString('en')} PCs × ${USERS.toLocaleString('en')} users: median ${median(times).toFixed(0)} ms over ${RUNS} runs (${times.map((t) => t.toFixed(0)).join(', ')} ms); budget < 2,000 ms`);
console.log(`  outcomes: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}`);

function printSchedule(title: string, size: TenantSize): void {
  const steps = syncSchedule(size);
  console.log(`\n${title}`);
  console.log('  step                                          class      requests   units  round trips  floor (s)');
  for (const s of steps) {
    console.log(`  ${s.step.padEnd(45)} ${s.cls.padEnd(9)} ${String(s.requests).padStart(9)} ${String(s.units).padStart(7)} ${String(s.roundTrips).padStart(12)} ${s.floorSeconds.toFixed(0).padStart(10)}`);
  }
  const total = scheduleSeconds(steps);
  console.log(`  total floor: ${total.toFixed(0)} s (${(total / 3600).toFixed(1)} h)`);
}

const full: TenantSize = { users: 50_000, devices: 60_000, pcUsers: 50_000, keyShare: 0.9, targetGroups: 2, groupMembers: 50_000, signIns: 700_000, changedDevices: null };
console.log(`\nassumed page sizes: devices/delta ${PAGE.devices} (UNVERIFIED), members ${PAGE.members}, registration report ${PAGE.registration} (UNVERIFIED), sign-ins ${PAGE.signIns}`);
console.log('limits: reports 5 requests / 10 s per tenant (+1 s arrival margin); directory 3,500 RU / 10 s (smallest tenant bucket)');
printSchedule('first full sync: 50,000 users, 60,000 devices, every user on a PC, 90 % with a key, 700,000 Windows sign-ins in 7 days', full);
// The strict reading puts users' fido2Methods in the reports class (graph.md §2.1, UNVERIFIED); if Graph
// counts them as identity and access instead, the same reads cost 1 RU each.
const keyReads = Math.ceil(full.pcUsers * full.keyShare);
console.log(`  (if fido2Methods were identity-and-access class: ${keyReads.toLocaleString('en')} RU ≈ ${((Math.ceil(keyReads / 3_500) - 1) * 11).toFixed(0)} s instead)`);
printSchedule('incremental sync: 1,000 changed devices, 1,000 users to refresh, 5,000 new sign-ins', { ...full, pcUsers: 1_000, signIns: 5_000, changedDevices: 1_000 });
