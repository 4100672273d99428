// Reports/s the SQLite store stores and acknowledges (synchronous=FULL: each acknowledgement is on
// disk). Budget (DESIGN.md): >= 20,000 reports/s. Run: npx tsx bench/store-ingest.ts
//
// Two arrival shapes: the ingest layer hands over batches (several in flight, as from several agent
// connections), and the worst case where every report is its own storeReports call (group commit
// must merge them). One report in eight changes the device's state (body, history and trend writes).
// The variants carry different host and user names, so each state change also renames the PC and
// changes its user (search index writes); `--fixed-names` keeps each PC's names, as a real fleet's.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { enrollFleet, fleetHostname, incoming, machine, median, reportVariants, tempSqliteStore } from './support/fleet.ts';

const DEVICES = 5000;
const REPORTS_PER_RUN = 60_000;
const RUNS = 5;

interface Shape {
  name: string;
  batchSize: number;
  inFlight: number;
}
const SHAPES: Shape[] = [
  { name: 'batches of 500, 4 in flight', batchSize: 500, inFlight: 4 },
  { name: 'one report per call, 2000 in flight', batchSize: 1, inFlight: 2000 },
];

const fixedNames = parseArgs({ options: { 'fixed-names': { type: 'boolean', default: false } } }).values['fixed-names'];
const { store, dispose } = await tempSqliteStore();
try {
  const ids = await enrollFleet(store, DEVICES);
  const variants = reportVariants();
  let seq = 0;
  console.log(`store-ingest: SQLite, ${DEVICES} devices${fixedNames ? ' (names fixed)' : ''}, ${REPORTS_PER_RUN} reports per run, ${RUNS} runs; ${machine()}, ${cpus().length} cores`);
  for (const shape of SHAPES) {
    const rates: number[] = [];
    const cpuRates: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      let sent = 0;
      const started = performance.now();
      const cpuStart = process.cpuUsage();
      // Each worker is one stream of calls; `inFlight` of them run concurrently.
      const worker = async () => {
        while (sent < REPORTS_PER_RUN) {
          const size = Math.min(shape.batchSize, REPORTS_PER_RUN - sent);
          sent += size;
          const at = new Date();
          const batch = Array.from({ length: size }, () => {
            seq += 1;
            const device = seq % DEVICES;
            const round = Math.floor(seq / DEVICES);
            // A device's state changes every eighth report; the others repeat it (periodic resends).
            const variant = variants[(device + Math.floor(round / 8)) % variants.length]!;
            // Each report carries its own generation time, as the agent's do.
            const names = fixedNames ? { device: { ...variant.device, hostname: fleetHostname(device), user: `user${device}@contoso.co.jp` } } : {};
            return incoming(ids[device]!, round, { ...variant, ...names, generatedAt: at.toISOString() }, at);
          });
          await store.storeReports(batch);
        }
      };
      await Promise.all(Array.from({ length: shape.inFlight }, worker));
      const seconds = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuStart);
      rates.push(REPORTS_PER_RUN / seconds);
      cpuRates.push(REPORTS_PER_RUN / ((cpu.user + cpu.system) / 1e6));
    }
    console.log(
      `  ${shape.name}: median ${Math.round(median(rates))} reports/s (runs: ${rates.map((r) => Math.round(r)).join(', ')}); ` +
        `${Math.round(median(cpuRates))} reports per CPU-second`,
    );
  }
} finally {
  await dispose();
}
