// Child process for the durability test: stores reports for three devices as fast as it can and
// prints "deviceId seq" after each storeReports resolves (the moment the collector would ack). The
// test SIGKILLs it at an arbitrary point; stdout to a pipe is synchronous on Linux, so every printed
// line was acknowledged before the kill.
import { SqliteStore } from '../../../collector/store/sqlite/store.ts';
import { makeReport } from '../../../sim/fleet/reports.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: crash-writer.ts DB_PATH');
const store = new SqliteStore(path);
await store.migrate();
const ids: string[] = [];
for (let i = 0; i < 3; i++) {
  const device = { uuid: null, serial: null, manufacturer: null, model: null };
  ids.push((await store.enrollDevice({ hostname: `PC-${i}`, hardware: device, tags: {}, agentVersion: '0.1.0', tokenHash: 'h' }, new Date())).deviceId);
}
// Bounded: the parent kills us long before this ends.
for (let seq = 0; seq < 100_000; seq++) {
  const batch = ids.map((deviceId) => ({
    deviceId,
    seq,
    receivedAt: new Date(),
    dropped: 0,
    report: makeReport({ hostname: `CRASH-${deviceId.slice(0, 8)}`, statuses: seq % 2 === 0 ? {} : { 'key.pin': 'fail' } }),
  }));
  await store.storeReports(batch);
  for (const deviceId of ids) process.stdout.write(`${deviceId} ${seq}\n`);
}
