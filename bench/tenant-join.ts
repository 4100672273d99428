// The tenant join for 60,000 PCs (budget < 2 s, issue 13) and the request schedule of a first full sync
// of a 50,000-user / 60,000-device tenant, and of an incremental sync of 1,000 changes, within the
// Graph throttling limits. Run: npx tsx bench/tenant-join.ts [--pcs N] [--runs N]
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import { joinPc, prepare } from '../collector/tenant/join.ts';
import { syncSchedule, scheduleSeconds, PAGE, type TenantSize } from '../collector/tenant/schedule.ts';
import { NOW } from '../sim/graph/snapshots.ts';
import { machine, median } from './support/fleet.ts';
import { bigSnapshot } from './support/tenant.ts';

const { values } = parseArgs({ options: { pcs: { type: 'string', default: '60000' }, users: { type: 'string', default: '50000' }, runs: { type: 'string', default: '5' } } });
const PCS = Number(values.pcs);
const USERS = Number(values.users);
const RUNS = Number(values.runs);

console.log(`tenant join bench — ${machine()}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
const { snapshot, pcs } = bigSnapshot(USERS, PCS, (i) => `user${i}@contoso.com`);
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
