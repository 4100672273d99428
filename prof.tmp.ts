import { enrollFleet, tempSqliteStore } from './bench/support/fleet.ts';
const { store, dispose } = await tempSqliteStore();
const c = process.cpuUsage(); const t = performance.now();
await enrollFleet(store, 10000);
const u = process.cpuUsage(c);
console.log('enroll cpu us each', ((u.user + u.system) / 10000).toFixed(1), 'wall ms', (performance.now() - t).toFixed(0));
await dispose();
