// Agent footprint: one `keyready-agent run` process on a replayed PC, connected to a real collector,
// left alone for a minute. Prints its RSS (steady and peak) and its idle CPU share; the budget is
// RSS ≤ 50 MB and idle CPU ≤ 0.5 % (DESIGN.md, "Budgets"). Linux only (reads /proc).
//   node --import tsx bench/agent-footprint.ts [--seconds 600] [--program packaged|built|tsx] [--node-arg=--max-semi-space-size=1 …]
// packaged (default): dist/keyready-agent-linux-x64, what ships (node args go in NODE_OPTIONS, as the
// Windows service passes them); built: dist/keyready-agent.cjs through node; tsx: the TypeScript sources.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { packageIfStale, LINUX_EXE } from '../installers/package.ts';
import { buildIfStale } from '../installers/build.ts';
import { startAgentProcess, type AgentProgram } from '../sim/processes/agent-process.ts';
import { startCollectorProcess } from '../sim/processes/collector-process.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '60' }, program: { type: 'string', default: 'packaged' }, 'node-arg': { type: 'string', multiple: true, default: [] } },
});
const PROGRAMS: Record<string, { program: AgentProgram; label: string }> = {
  packaged: { program: { kind: 'packaged', file: LINUX_EXE }, label: 'packaged single file (SEA)' },
  built: { program: { kind: 'built' }, label: 'built bundle (dist/keyready-agent.cjs) through node' },
  tsx: { program: { kind: 'tsx' }, label: 'TypeScript sources through tsx' },
};
const chosen = PROGRAMS[values.program];
if (!chosen) throw new Error(`--program must be one of ${Object.keys(PROGRAMS).join(', ')}`);
const seconds = Number(values.seconds);
if (!Number.isInteger(seconds) || seconds < 5 || seconds > 3_600) throw new Error('--seconds must be an integer from 5 to 3600');

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const SECRET = 'bench-enrollment-secret-0123456789';
const FIXTURE = resolve(import.meta.dirname, '..', 'test', 'fixtures', 'dsregcmd', '01_entra-joined_win10-19041_prt-yes_FULL.txt');

function cpuTicks(pid: number): number {
  // Fields after the command name (which may hold spaces) start at ") "; utime and stime are 14 and 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
/**
 * VmRSS, and its two parts: RssAnon (the process's own memory: heap, code, stacks) and RssFile (pages
 * of the executable and libraries, clean and shared, which the OS drops and re-reads at will — a
 * single-file exe maps ~100 MB of Node, so this part is larger than for `node` itself).
 */
function memoryMb(pid: number): { rss: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const root = mkdtempSync(join(tmpdir(), 'keyready-bench-agent-'));
const collector = await startCollectorProcess({ db: `sqlite:${join(root, 'c.sqlite')}`, args: ['--enroll-secret', SECRET] });
if (chosen.program.kind === 'packaged') await packageIfStale();
else await buildIfStale();
// Default intervals (1 h full check, 60 s re-probe): the agent as it runs on a PC.
const agent = startAgentProcess({ collectorUrl: collector.agentUrl, enrollSecret: SECRET, dataDir: join(root, 'agent'), source: ['--dsregcmd', FIXTURE], config: { intervals: { fullCheckMs: 3_600_000, reprobeMs: 60_000 }, log: { level: 'info' } }, nodeArgs: values['node-arg'], program: chosen.program });
try {
  const pid = agent.child.pid!;
  const deadline = Date.now() + 30_000;
  while (!agent.logLines().some((l) => l.message === 'connected to the collector')) {
    if (Date.now() > deadline) throw new Error(`agent did not connect: ${agent.stderr()}`);
    await sleep(200);
  }
  await sleep(5_000); // start-up work (first check, enrollment, first report) is not idle time
  const startTicks = cpuTicks(pid);
  const startAt = process.hrtime.bigint();
  const samples: Array<{ rss: number; anon: number; file: number }> = [];
  for (let i = 0; i < seconds; i++) {
    samples.push(memoryMb(pid));
    await sleep(1_000);
  }
  const rss = samples.map((m) => m.rss);
  const elapsedS = Number(process.hrtime.bigint() - startAt) / 1e9;
  const cpuS = (cpuTicks(pid) - startTicks) / CLOCK_TICKS;
  const result = {
    mode: `${chosen.label}${values['node-arg'].length ? ` with ${values['node-arg'].join(' ')}` : ''}`,
    seconds: Math.round(elapsedS),
    rssMbSteady: Number(rss.at(-1)!.toFixed(1)),
    rssMbPeak: Number(Math.max(...rss).toFixed(1)),
    rssAnonMbSteady: Number(samples.at(-1)!.anon.toFixed(1)),
    rssFileMbSteady: Number(samples.at(-1)!.file.toFixed(1)),
    idleCpuPercent: Number(((cpuS / elapsedS) * 100).toFixed(3)),
    budget: { rssMb: 50, idleCpuPercent: 0.5 },
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await agent.stop();
  await collector.stop();
  rmSync(root, { recursive: true, force: true });
}
