// `npm run soak [-- --minutes N --agents N --seed N]`: a long run with things dying. Two collector
// processes on one embedded PostgreSQL and N real agent processes (the built bundle, `run` on
// replayed PCs whose state the soak keeps changing). Collectors and agents are killed with SIGKILL
// at random and started again; one collector and one agent are never killed, as witnesses whose
// memory is sampled over the whole run. At the end, with everything up again and every outbox
// drained, the store must equal the agents' truth:
//   - the newest sequence each agent queued is the device's last stored sequence, and the stored
//     report's readiness is the one the agent last queued;
//   - every report an agent queued for a change is in the device's history, once (each state
//     change flips a check, so each is a history entry); no history entry the agent never queued.
// Prints the figures and exits 1 on any difference. Not part of `npm test` (bench/README.md).
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startAgentProcess, type AgentProcess } from '../sim/processes/agent-process.ts';
import { startCollectorProcess, type CollectorProcess } from '../sim/processes/collector-process.ts';
import { startTestPostgres } from '../sim/processes/postgres.ts';
import { prng } from '../sim/prng.ts';
import { freePort } from '../sim/processes/free-port.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    agents: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
  },
});
const MINUTES = Number(values.minutes);
const AGENTS = Math.max(2, Number(values.agents));
const random = prng(Number(values.seed));
const FIXTURES = resolve(import.meta.dirname, '..', 'test', 'fixtures', 'dsregcmd');
/** Three PC states whose checks differ from one another, so every change is a history entry. */
const STATES = [
  join(FIXTURES, '01_entra-joined_win10-19041_prt-yes_FULL.txt'),
  join(FIXTURES, '10_workgroup-not-joined_2020_TRUNCATED.txt'),
  join(FIXTURES, '13_MSDOCS_diagnostic-data_prejoin_discover-FAIL_0x801c0021.txt'),
];
const SECRET = 'soak-enrollment-secret-0123456789';
const SAMPLE_MS = 15_000;

const root = mkdtempSync(join(tmpdir(), 'keyready-soak-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = (min: number, max: number) => min + random.int(max - min + 1);
const log = (line: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function rssMb(pid: number | undefined): number | null {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:')) ?? '';
    return Math.round(Number(line.replace(/\D+/g, '')) / 1024);
  } catch {
    return null;
  }
}

interface Collector {
  readonly port: number;
  process: CollectorProcess;
}

interface Pc {
  readonly name: string;
  readonly dataDir: string;
  readonly status: string;
  readonly collector: Collector;
  state: number;
  agent: AgentProcess;
}

const server = await startTestPostgres();
const database = await server.freshDatabase();
const collectorEnv = { KEYREADY_HEARTBEAT_MS: '1000', KEYREADY_PING_INTERVAL_MS: '5000' };
const startCollector = (port: number) =>
  startCollectorProcess({ db: database.url, args: ['--port', String(port), '--enroll-secret', SECRET], env: collectorEnv, timeoutMs: 120_000 });
const collectors: Collector[] = [];
for (let i = 0; i < 2; i += 1) {
  const port = await freePort();
  collectors.push({ port, process: await startCollector(port) });
}
const [witnessCollector] = collectors as [Collector, Collector];

function startAgent(pc: Omit<Pc, 'agent'>): AgentProcess {
  return startAgentProcess({
    collectorUrl: `ws://127.0.0.1:${pc.collector.port}`,
    enrollSecret: SECRET,
    dataDir: pc.dataDir,
    source: ['--dsregcmd', pc.status],
    config: { intervals: { fullCheckMs: 600_000, reprobeMs: 500 }, log: { level: 'info' } },
  });
}

function setState(pc: Omit<Pc, 'agent'>, state: number): void {
  copyFileSync(STATES[state]!, `${pc.status}.new`);
  renameSync(`${pc.status}.new`, pc.status);
}

const pcs: Pc[] = [];
for (let i = 0; i < AGENTS; i += 1) {
  const name = `PC-SOAK-${String(i).padStart(3, '0')}`;
  const base = { name, dataDir: join(root, name), status: join(root, `${name}.txt`), collector: collectors[i % 2]!, state: 0 };
  setState(base, 0);
  pcs.push({ ...base, agent: startAgent(base) });
}
const witnessAgent = pcs[0]!;

const rss = { collector: [] as number[], agent: [] as number[] };
const counts = { collectorKills: 0, agentKills: 0, changes: 0 };
const started = Date.now();
const deadline = started + MINUTES * 60_000;
log(`soak: ${MINUTES} min, ${AGENTS} agents, 2 collectors on PostgreSQL, seed ${values.seed}, data in ${root}`);

const sampler = setInterval(() => {
  const c = rssMb(witnessCollector.process.child.pid);
  const a = rssMb(witnessAgent.agent.child.pid);
  if (c !== null) rss.collector.push(c);
  if (a !== null) rss.agent.push(a);
}, SAMPLE_MS);

// PCs change state: one every 0.5–2 s, each change a new check status on that PC.
const changing = (async () => {
  while (Date.now() < deadline) {
    const pc = random.pick(pcs);
    pc.state = (pc.state + 1 + random.int(2)) % STATES.length;
    setState(pc, pc.state);
    counts.changes += 1;
    await sleep(between(500, 2_000));
  }
})();

// Chaos: every 5–20 s a collector or an agent (never a witness) is killed with SIGKILL and started again 1–5 s later.
const chaos = (async () => {
  while (Date.now() < deadline) {
    await sleep(between(5_000, 20_000));
    if (Date.now() >= deadline) break;
    if (random.next() < 0.35) {
      const victim = collectors[1]!;
      await victim.process.kill9();
      counts.collectorKills += 1;
      await sleep(between(1_000, 5_000));
      victim.process = await startCollector(victim.port);
    } else {
      const pc = random.pick(pcs.slice(1));
      await pc.agent.kill9();
      counts.agentKills += 1;
      await sleep(between(1_000, 5_000));
      pc.agent = startAgent(pc);
    }
  }
})();

await Promise.all([changing, chaos]);
clearInterval(sampler);
log(`chaos over after ${((Date.now() - started) / 60_000).toFixed(1)} min: ${counts.collectorKills} collector kills, ${counts.agentKills} agent kills, ${counts.changes} state changes; draining`);

interface Queued {
  seq: number;
  reason: string;
  readiness: string;
}
const queuedOf = (pc: Pc): Queued[] =>
  readdirSync(join(pc.dataDir, 'logs'))
    .filter((n) => /^agent(\.\d+)?\.log$/.test(n))
    .flatMap((n) => readFileSync(join(pc.dataDir, 'logs', n), 'utf8').split('\n'))
    .filter((l) => l.startsWith('{') && l.includes('"report queued"'))
    .map((l) => JSON.parse(l) as Queued)
    .sort((a, b) => a.seq - b.seq);
const pendingOf = (pc: Pc) => readdirSync(join(pc.dataDir, 'outbox')).filter((n) => /^\d{16}\.json$/.test(n)).length;

const drainDeadline = Date.now() + 5 * 60_000;
while (pcs.some((pc) => pendingOf(pc) > 0) && Date.now() < drainDeadline) await sleep(500);
// The last acks' commits, and the agents' last log lines.
await sleep(2_000);
for (const pc of pcs) await pc.agent.stop();

const client = new pg.Client({ connectionString: database.url });
await client.connect();
const devices = (await client.query<{ id: string; last_seq: string; readiness: string }>('SELECT d.id, d.last_seq, r.report::json->>\'readiness\' AS readiness FROM devices d LEFT JOIN device_reports r ON r.device_id = d.id')).rows;
const history = (await client.query<{ device_id: string; seq: string; n: string }>('SELECT device_id, seq, COUNT(*) AS n FROM device_history GROUP BY device_id, seq')).rows;
await client.end();

const problems: string[] = [];
let queuedTotal = 0;
for (const pc of pcs) {
  const queued = queuedOf(pc);
  queuedTotal += queued.length;
  const pending = pendingOf(pc);
  if (pending > 0) problems.push(`${pc.name}: ${pending} reports never delivered`);
  // The replayed captures all carry one machine name: the agent's own credentials say which device it is.
  const { deviceId } = JSON.parse(readFileSync(join(pc.dataDir, 'credentials', 'device.json'), 'utf8')) as { deviceId: string };
  const device = devices.find((d) => d.id === deviceId);
  if (!device) {
    problems.push(`${pc.name}: device ${deviceId} not in the store`);
    continue;
  }
  const { id, last_seq: lastSeq, readiness } = device;
  const last = queued.at(-1);
  if (!last || Number(lastSeq) !== last.seq) problems.push(`${pc.name}: store last seq ${lastSeq}, agent last queued ${last?.seq}`);
  if (last && readiness !== last.readiness) problems.push(`${pc.name}: store readiness ${readiness}, agent last queued ${last.readiness}`);
  const stored = new Map(history.filter((h) => h.device_id === id).map((h) => [Number(h.seq), Number(h.n)]));
  const queuedSeqs = new Set(queued.map((q) => q.seq));
  for (const q of queued) if (q.reason === 'change' && !stored.has(q.seq)) problems.push(`${pc.name}: change seq ${q.seq} (acknowledged) not in history`);
  for (const [seq, n] of stored) {
    if (n > 1) problems.push(`${pc.name}: seq ${seq} stored ${n} times`);
    if (!queuedSeqs.has(seq)) problems.push(`${pc.name}: history has seq ${seq} the agent never queued`);
  }
}

const summary = (samples: number[]) =>
  samples.length === 0 ? 'no samples' : `first ${samples[0]} MB, last ${samples.at(-1)} MB, max ${Math.max(...samples)} MB (${samples.length} samples, every ${SAMPLE_MS / 1000} s)`;
log(`reports queued by the agents: ${queuedTotal}; history rows: ${history.length}; devices: ${devices.length}`);
log(`witness collector RSS: ${summary(rss.collector)}`);
log(`witness agent RSS: ${summary(rss.agent)}`);
log(problems.length === 0 ? 'store equals the agents\' truth: no report lost, none twice, last states equal' : `${problems.length} differences:\n  ${problems.slice(0, 50).join('\n  ')}`);

for (const c of collectors) await c.process.stop();
await database.drop();
await server.stop();
rmSync(root, { recursive: true, force: true });
process.exit(problems.length === 0 ? 0 : 1);
