// A first full sync actually run: readTenant against the fake Graph on loopback with a virtual clock, at a
// chosen scale, to check the computed schedule (bench/tenant-join.ts) against what the client really does:
// requests per step, virtual time taken, and that no reports-class request went over 5 per 10 s.
// Run: npx tsx bench/tenant-sync.ts [--users 5000] [--devices 6000] [--signins 70000] [--page 200]
import { parseArgs } from 'node:util';
import { syncSchedule, scheduleSeconds } from '../collector/tenant/schedule.ts';
import { setup, stopFakes } from '../sim/graph/harness.ts';
import { policyJson } from '../sim/graph/fixtures.ts';
import { ATKEY_PRO, DEVICE_ID, EXCLUDE_GROUP, INCLUDE_GROUP } from '../sim/graph/snapshots.ts';
import { machine } from './support/fleet.ts';

const { values } = parseArgs({ options: {
  users: { type: 'string', default: '5000' }, devices: { type: 'string', default: '6000' },
  signins: { type: 'string', default: '70000' }, page: { type: 'string', default: '200' },
} });
const USERS = Number(values.users);
const DEVICES = Number(values.devices);
const SIGNINS = Number(values.signins);
const PAGE_SIZE = Number(values.page);
const KEY_SHARE = 0.9;

const uid = (i: number) => `u0000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const users = Array.from({ length: USERS }, (_, i) => ({ id: uid(i), userPrincipalName: `user${i}@contoso.com`, userType: 'Member', accountEnabled: true }));
const hasKey = (i: number) => i % 10 !== 0;
const method = { '@odata.type': '#microsoft.graph.fido2AuthenticationMethod', id: 'm', aaGuid: ATKEY_PRO, model: 'ATKey.Pro CTAP2.1', attestationLevel: 'attested', passkeyType: 'deviceBound' };

const { fake, clock, read } = await setup({
  policy: policyJson(),
  users,
  registration: users.map((u, i) => ({ id: u.id, userPrincipalName: u.userPrincipalName, isMfaRegistered: true, methodsRegistered: hasKey(i) ? ['passKeyDeviceBound'] : [] })),
  fido2Methods: new Map(users.map((u, i) => [u.id, hasKey(i) ? [method] : []])),
  groups: new Map([[INCLUDE_GROUP, users.map((u) => u.id)], [EXCLUDE_GROUP, []]]),
  signIns: Array.from({ length: SIGNINS }, (_, i) => ({
    id: `s${i}`, createdDateTime: '2026-11-29T08:00:00Z', userId: uid(i % USERS), appId: '38aa3b87-a06d-4817-b275-7a316988d93b',
    status: { errorCode: 0 }, deviceDetail: { deviceId: DEVICE_ID }, authenticationDetails: [{ authenticationMethod: 'FIDO2 security key', succeeded: true }],
  })),
}, {
  devices: Array.from({ length: DEVICES }, (_, i) => ({ id: `o${i}`, deviceId: `d${i}`, accountEnabled: true, trustType: 'AzureAd', registrationDateTime: '2025-01-01T00:00:00Z' })),
  pageSize: PAGE_SIZE,
});

const wallStart = performance.now();
const virtualStart = clock.now();
const { snapshot } = await read(users.map((u) => u.userPrincipalName));
const wallMs = performance.now() - wallStart;
await stopFakes();

const STEPS: [string, RegExp][] = [
  ['policy', /\/policies\//], ['groups', /\/groups\//], ['devices/delta', /\/devices\/delta/], ['users ($batch items)', /^\/v1\.0\/users\/[^/]+$/],
  ['registration report', /userRegistrationDetails/], ['fido2Methods ($batch items)', /fido2Methods/], ['sign-ins', /auditLogs\/signIns/],
];
console.log(`tenant sync run — ${machine()}; fake Graph on loopback, virtual clock, page size ${PAGE_SIZE}`);
console.log(`tenant: ${USERS.toLocaleString('en')} users (${KEY_SHARE * 100} % with a key), ${DEVICES.toLocaleString('en')} devices, ${SIGNINS.toLocaleString('en')} sign-ins`);
console.log('  step                          requests   first (s)    last (s)');
for (const [name, re] of STEPS) {
  const hits = fake.log.filter((r) => re.test(r.path));
  if (hits.length === 0) continue;
  console.log(`  ${name.padEnd(29)} ${String(hits.length).padStart(8)} ${((hits[0]!.at - virtualStart) / 1000).toFixed(0).padStart(11)} ${((hits.at(-1)!.at - virtualStart) / 1000).toFixed(0).padStart(11)}`);
}
const reportsAt = fake.log.filter((r) => r.reportsClass).map((r) => r.at);
let maxPerWindow = 0;
for (let i = 0, j = 0; i < reportsAt.length; i++) {
  while (reportsAt[i]! - reportsAt[j]! >= 10_000) j++;
  maxPerWindow = Math.max(maxPerWindow, i - j + 1);
}
const computed = scheduleSeconds(syncSchedule(
  { users: USERS, devices: DEVICES, pcUsers: USERS, keyShare: KEY_SHARE, targetGroups: 2, groupMembers: USERS, signIns: SIGNINS, changedDevices: null },
  undefined,
  { devices: PAGE_SIZE, members: PAGE_SIZE, registration: PAGE_SIZE, signIns: PAGE_SIZE },
));
console.log(`virtual time ${((clock.now() - virtualStart) / 1000).toFixed(0)} s (computed floor ${computed.toFixed(0)} s); wall ${(wallMs / 1000).toFixed(1)} s; HTTP requests ${fake.log.filter((r) => !r.viaBatch).length}`);
console.log(`reports class: ${reportsAt.length} requests, at most ${maxPerWindow} in any 10 s, ${fake.overLimit} refused by the fake`);
console.log(`snapshot: devices ${snapshot.devices.status === 'ok' ? snapshot.devices.value.size : snapshot.devices.status}, users' keys read ${[...snapshot.fido2Methods.values()].filter((f) => f.status === 'ok').length}`);
