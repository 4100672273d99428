// Child process for the kill -9 test: appends reports to an outbox as fast as it can, printing each
// sequence number once it is queued, until it is killed.
import { Outbox } from '../../agent/link/outbox.ts';
import { memoryLog } from './memory-log.ts';
import { makeReport } from '../../sim/fleet/reports.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: outbox-writer DIR');
const outbox = Outbox.open(dir, { maxEntries: 100_000, maxBytes: 1024 ** 3 }, memoryLog().log);
for (let i = 0; i < 100_000; i++) {
  const seq = outbox.append(makeReport({ hostname: `PC-${i}` }));
  process.stdout.write(`${seq}\n`);
}
