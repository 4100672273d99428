// HID scan time with no key (DESIGN.md budget ≤ 100 ms): the first scan includes loading node-hid's
// native binding; steady-state scans are what the service pays every time it looks for keys.
// Run: npx tsx bench/hid-scan.ts [runs]
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { scanKeys } from '../agent/fido/scanner.ts';
import { nodeHidBackend } from '../agent/fido/transport/node-hid.ts';

const runs = Number(process.argv[2] ?? 21);
const backend = nodeHidBackend();

async function timed(): Promise<{ ms: number; keys: number }> {
  const start = performance.now();
  const { keys, capture } = await scanKeys(backend);
  if (capture.state !== 'ok') throw new Error(capture.reason ?? 'scan failed');
  return { ms: performance.now() - start, keys: keys.length };
}

const first = await timed();
const samples: number[] = [];
for (let i = 0; i < runs; i++) samples.push((await timed()).ms);
samples.sort((a, b) => a - b);
const median = samples[Math.floor(samples.length / 2)] ?? NaN;
const p95 = samples[Math.min(samples.length - 1, Math.ceil(samples.length * 0.95) - 1)] ?? NaN;

console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, ${process.platform} ${process.arch}, node ${process.version}, backend ${backend.name}`);
console.log(`keys found: ${first.keys}`);
console.log(`first scan (loads node-hid): ${first.ms.toFixed(1)} ms`);
console.log(`steady scans: median ${median.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms, max ${samples.at(-1)?.toFixed(2)} ms over ${runs} runs (budget 100 ms)`);
