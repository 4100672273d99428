// Measures one full check's own work (DESIGN.md budget: <= 1 s, excluding dsregcmd's run time):
// reading a bundle, parsing dsregcmd and reg query text, running every check, building and
// validating the report. Run: `npx tsx bench/agent-check.ts` (results: bench/agent-check.md).
import { join } from 'node:path';
import { buildReport, gatherFacts } from '../agent/report/engine.ts';

const ROUNDS = 200;
const dir = join(import.meta.dirname, '..', 'test', 'fixtures', 'bundles', 'entra-ready');

async function once(lang: 'en' | 'ja'): Promise<void> {
  const gathered = await gatherFacts({ kind: 'bundle', dir });
  buildReport(gathered.facts, { lang, agentVersion: 'bench', device: gathered.device, now: new Date() });
}

for (let i = 0; i < 20; i++) await once('en');
const times: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const start = performance.now();
  await once(i % 2 === 0 ? 'en' : 'ja');
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
const at = (q: number) => (times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0).toFixed(2);
console.log(`agent check (bundle replay): ${ROUNDS} rounds, median ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms`);
