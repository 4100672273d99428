// Where a collector's memory goes per connected agent (not part of npm test): N agents enroll, then
// connect over wss in two halves — hello, welcome, one real report, its ack (or hello only with
// --hello-only, like an idle agent) — and stay connected. After each half the collector's memory is
// read through its inspector after a full GC (bench/support/collector-memory.ts): V8 heap used, external
// memory (Buffers and the native TLS buffers Node reports to V8), anonymous RSS (V8, malloc: OpenSSL,
// libuv, SQLite's page cache), file-backed RSS (code, SQLite's mmap). Per connection is the growth
// from the first half to the second divided by N/2, so what the process allocates once (the first
// handshakes, SQLite's cache warming up) is not charged to the agents.
// Then every agent drops and reconnects once (a small reconnect storm) and the memory is read again:
// what a storm leaves behind. Last, malloc_trim(0) through gdb says how much of the RSS was memory
// already freed that glibc kept (fragmentation) rather than memory in use.
// Usage: npx tsx bench/tls-memory.ts [--agents 2000] [--hello-only] [--rsa] [--plain] [--bare] [--snapshots]
//   --bare: the bare ws server (bench/support/bare-server.ts) instead of the collector, same agents.
//   --snapshots: a heap snapshot after each half; prints what grew per connection on the JS heap
//   (writing a snapshot allocates: the RSS figures of such a run are not comparable).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { heapClasses, heapGrowth } from './support/heap-snapshot.ts';
import { Inspector } from '../sim/processes/inspector.ts';
import { mallocTrimReleased, memoryFigures, type MemoryFigures } from './support/collector-memory.ts';
import { pool, RawAgent, selfSignedCertificate, startBare, startCollectors, type Target } from './support/load.ts';
import { reportFrame, reportTemplate, typicalReports } from './support/real-reports.ts';

export interface TlsMemoryOptions {
  agents: number;
  tls: boolean;
  rsa: boolean;
  /** Send one report after the welcome (an agent that has reported); false: hello only (idle). */
  report: boolean;
  snapshots: boolean;
  /** The bare ws server instead of the collector. */
  bare: boolean;
  /** Extra collector options (e.g. a different SQLite cache) for comparisons. */
  collectorArgs?: string[];
  print?: (line: string) => void;
}

export interface TlsMemoryResult {
  idle: MemoryFigures;
  half: MemoryFigures;
  full: MemoryFigures;
  /** After every agent dropped and reconnected once. */
  reconnected: MemoryFigures;
  /** Growth per connection from half to full, in bytes, per figure. */
  perConnection: Record<keyof MemoryFigures, number>;
}

const templates = typicalReports().map(reportTemplate);
const MB = 1024 * 1024;

async function connect(target: Target, index: number, report: boolean, held: RawAgent[]): Promise<void> {
  const agent = await RawAgent.open(target.urls[0]!, 60_000);
  held.push(agent);
  const credentials = target.agent(index);
  agent.send({ type: 'hello', deviceId: credentials.deviceId, token: credentials.token, agentVersion: 'bench' });
  const welcome = await agent.expect('welcome');
  if (!report) return;
  agent.send(reportFrame(templates[index % templates.length]!, Number(welcome.lastSeq) + 1, new Date().toISOString()));
  await agent.expect('ack');
}

const FIGURES: [keyof MemoryFigures, string][] = [
  ['rssAsFound', 'RSS as found (before a GC)'],
  ['heapTotalAsFound', 'V8 heap reserved as found'],
  ['rss', 'RSS after a full GC'],
  ['rssAnon', '  anonymous (V8 heap, malloc)'],
  ['rssFile', '  file-backed (code, mmap)'],
  ['rssShmem', '  shared memory'],
  ['sqliteMapped', '  of which SQLite files'],
  ['heapTotal', 'V8 heap reserved'],
  ['heapUsed', 'V8 heap used (after GC)'],
  ['external', 'external (Buffers)'],
  ['arrayBuffers', '  of which ArrayBuffers'],
];

export async function tlsMemoryBench(o: TlsMemoryOptions): Promise<TlsMemoryResult> {
  const print = o.print ?? console.log;
  const dir = mkdtempSync(join(tmpdir(), 'keyready-tls-memory-'));
  const tls = o.tls ? selfSignedCertificate(dir, o.rsa) : undefined;
  const inspect = ['--inspect=127.0.0.1:0'];
  let target: Target;
  let stderr: () => string;
  if (o.bare) {
    const bare = await startBare(tls, inspect);
    [target, stderr] = [bare, bare.stderr];
  } else {
    const collectors = await startCollectors({ count: 1, agents: o.agents, ...(tls ? { tls } : {}), nodeArgs: inspect, extraArgs: o.collectorArgs ?? [] });
    [target, stderr] = [collectors, collectors.processes[0]!.stderr];
  }
  const inspector = await Inspector.attach(stderr());
  const pid = target.pids[0]!;
  let held: RawAgent[] = [];
  const snapshot = async (name: string): Promise<string> => {
    const file = join(dir, `${name}.heapsnapshot`);
    await inspector.writeHeapSnapshot(file);
    return file;
  };
  try {
    const idle = await memoryFigures(inspector, pid);
    const halfCount = Math.floor(o.agents / 2);
    await pool(halfCount, 100, (i) => connect(target, i, o.report, held));
    const half = await memoryFigures(inspector, pid);
    const halfSnapshot = o.snapshots ? await snapshot('half') : null;
    await pool(o.agents - halfCount, 100, (i) => connect(target, halfCount + i, o.report, held));
    const full = await memoryFigures(inspector, pid);
    const added = o.agents - halfCount;
    const perConnection = Object.fromEntries(FIGURES.map(([key]) => [key, (full[key] - half[key]) / added])) as Record<keyof MemoryFigures, number>;

    const kind = `${o.bare ? 'bare ws server, ' : ''}${o.tls ? `wss (${o.rsa ? 'RSA-2048' : 'ECDSA P-256'})` : 'ws'}, ${o.report ? 'hello + one report each' : 'hello only'}`;
    print(`tls-memory: ${o.agents} agents, ${kind}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    print(`${'figure'.padEnd(32)}${'idle MB'.padStart(9)}${`${halfCount} MB`.padStart(10)}${`${o.agents} MB`.padStart(10)}${'per conn KB'.padStart(13)}`);
    for (const [key, label] of FIGURES) {
      print(
        `${label.padEnd(32)}${(idle[key] / MB).toFixed(1).padStart(9)}${(half[key] / MB).toFixed(1).padStart(10)}${(full[key] / MB).toFixed(1).padStart(10)}${(perConnection[key] / 1024).toFixed(1).padStart(13)}`,
      );
    }
    const native = perConnection.rssAnon - perConnection.heapTotal - perConnection.arrayBuffers;
    print(`  per connection outside the V8 heap and ArrayBuffers (malloc: OpenSSL, Node's TLS buffers, libuv, SQLite): ${(native / 1024).toFixed(1)} KB`);
    if (halfSnapshot) {
      const growth = heapGrowth(heapClasses(halfSnapshot), heapClasses(await snapshot('full')), added);
      print('  JS heap growth per connection, by class (count, bytes):');
      for (const row of growth.slice(0, 25)) print(`    ${row.name.padEnd(50)}${row.count.toFixed(2).padStart(8)}${row.bytes.toFixed(0).padStart(8)} B`);
      print(`    total ${growth.reduce((sum, row) => sum + row.bytes, 0).toFixed(0)} B`);
    }

    // Every agent drops (no closing handshake, like a network cut) and comes back with a new report.
    for (const agent of held) agent.ws.terminate();
    await Promise.all(held.map((agent) => agent.closed));
    held = [];
    await pool(o.agents, 100, (i) => connect(target, i, o.report, held));
    const reconnected = await memoryFigures(inspector, pid);
    const mb = (key: keyof MemoryFigures) => `${((reconnected[key] - full[key]) / MB).toFixed(1)} MB`;
    print(`after every agent reconnected once: RSS ${(reconnected.rss / MB).toFixed(1)} MB (${mb('rss')}; V8 heap used ${mb('heapUsed')}, anonymous ${mb('rssAnon')}, file-backed ${mb('rssFile')})`);
    const released = mallocTrimReleased(pid);
    if (released !== null) print(`  freed but still resident (what malloc_trim(0) then returned to the OS): ${(released / MB).toFixed(1)} MB, ${(released / 1024 / o.agents).toFixed(1)} KB per connection`);
    return { idle, half, full, reconnected, perConnection };
  } finally {
    for (const agent of held) agent.ws.terminate();
    inspector.close();
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      agents: { type: 'string', default: '2000' },
      'hello-only': { type: 'boolean', default: false },
      rsa: { type: 'boolean', default: false },
      plain: { type: 'boolean', default: false },
      snapshots: { type: 'boolean', default: false },
      bare: { type: 'boolean', default: false },
    },
  });
  await tlsMemoryBench({ agents: Number(values.agents), tls: !values.plain, rsa: values.rsa, report: !values['hello-only'], snapshots: values.snapshots, bare: values.bare });
}
