// Agent start-up: wall time and peak RSS of one `keyready-agent check --json --dsregcmd FILE` (start,
// one full check of a replayed PC, exit) for each way the agent can run, interleaved in one run so the
// ratios compare like with like. Needs GNU time (/usr/bin/time, Debian package "time") for peak RSS.
//   node --import tsx bench/agent-startup.ts [--runs 9]
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildIfStale } from '../installers/build.ts';
import { LINUX_EXE, packageIfStale } from '../installers/package.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '9' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new Error('--runs must be an integer from 1 to 100');

const ROOT = resolve(import.meta.dirname, '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'dsregcmd', '01_entra-joined_win10-19041_prt-yes_FULL.txt');
const CHECK = ['check', '--json', '--dsregcmd', FIXTURE];
const PROGRAMS: Record<string, string[]> = {
  'TypeScript sources through tsx': [process.execPath, '--import', 'tsx', join(ROOT, 'agent', 'cli.ts')],
  'built bundle (dist/keyready-agent.cjs) through node': [process.execPath, join(ROOT, 'bin', 'keyready-agent.js')],
  'packaged single file (dist/keyready-agent-linux-x64)': [LINUX_EXE],
};

await buildIfStale();
await packageIfStale();

/** Seconds and peak RSS (MB) of one run, from GNU time's own report on stderr's last line. */
function measure(program: string[]): { seconds: number; rssMb: number } {
  let stderr: string;
  try {
    stderr = execFileSync('/usr/bin/time', ['-f', 'KEYREADY_TIME %e %M', ...program, ...CHECK], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    // Exit 1 is "not ready", a normal answer; GNU time passes the code through.
    stderr = String((error as { stderr?: string }).stderr ?? '');
  }
  const match = /KEYREADY_TIME ([\d.]+) (\d+)/.exec(stderr);
  if (!match) throw new Error(`no timing from /usr/bin/time: ${stderr}`);
  return { seconds: Number(match[1]), rssMb: Number(match[2]) / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const samples = new Map<string, Array<{ seconds: number; rssMb: number }>>(Object.keys(PROGRAMS).map((name) => [name, []]));
for (let i = 0; i < runs; i++) for (const [name, program] of Object.entries(PROGRAMS)) samples.get(name)!.push(measure(program));

const rows = [...samples].map(([name, runsOf]) => ({ name, seconds: median(runsOf.map((r) => r.seconds)), rssMb: median(runsOf.map((r) => r.rssMb)) }));
const base = rows.find((r) => r.name.startsWith('TypeScript'))!;
console.log(`agent start-up: check --json --dsregcmd (capture 01), median of ${runs} runs each`);
for (const row of rows) {
  console.log(`  ${row.name.padEnd(56)} ${row.seconds.toFixed(2)} s (${(row.seconds / base.seconds).toFixed(2)}× tsx)  peak RSS ${row.rssMb.toFixed(1)} MB (${(row.rssMb / base.rssMb).toFixed(2)}× tsx)`);
}
