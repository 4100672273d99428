// Starts a real agent process in service mode (`keyready-agent run …`) on a replayed PC, with its own
// data directory and an agent.json written for the test (short intervals and backoff).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'keyready-agent.js');
const SOURCES = join(ROOT, 'agent', 'cli.ts');

/**
 * What runs: the built bundle through this Node (bin/keyready-agent.js, what `npm run build` ships),
 * a packaged single file (dist/keyready-agent-linux-x64), or the TypeScript sources through tsx.
 */
export type AgentProgram = { readonly kind: 'built' } | { readonly kind: 'packaged'; readonly file: string } | { readonly kind: 'tsx' };

export interface AgentProcess {
  readonly child: ChildProcess;
  readonly dataDir: string;
  /** The agent's JSON log lines so far (from its data directory). */
  logLines(): Array<Record<string, unknown>>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill9(): Promise<void>;
  stderr(): string;
}

export interface AgentStartOptions {
  readonly collectorUrl: string;
  readonly enrollSecret?: string;
  readonly dataDir: string;
  /** The replay source: `['--dsregcmd', FILE]` or `['--from', DIR]`. */
  readonly source: readonly string[];
  /** Merged into agent.json. */
  readonly config?: Record<string, unknown>;
  /** Default: the built bundle. */
  readonly program?: AgentProgram;
  /** Node/V8 flags for the agent process (e.g. --max-semi-space-size when measuring footprint); NODE_OPTIONS for a packaged file. */
  readonly nodeArgs?: readonly string[];
  readonly env?: Record<string, string>;
}

export const FAST_AGENT_CONFIG = {
  intervals: { fullCheckMs: 600_000, reprobeMs: 200 },
  reconnect: { baseMs: 200, capMs: 1_000 },
  log: { level: 'debug' },
};

export function startAgentProcess(options: AgentStartOptions): AgentProcess {
  mkdirSync(options.dataDir, { recursive: true });
  const configFile = join(options.dataDir, 'agent.json');
  writeFileSync(configFile, JSON.stringify({ ...FAST_AGENT_CONFIG, ...options.config }));
  const args = [
    'run',
    '--collector',
    options.collectorUrl,
    '--data-dir',
    options.dataDir,
    '--config',
    configFile,
    ...(options.enrollSecret ? ['--enroll-secret', options.enrollSecret] : []),
    ...options.source,
  ];
  const program = options.program ?? { kind: 'built' };
  const nodeArgs = options.nodeArgs ?? [];
  const env = { ...process.env, ...options.env };
  const child =
    program.kind === 'packaged'
      ? spawn(program.file, args, { stdio: ['ignore', 'ignore', 'pipe'], env: nodeArgs.length > 0 ? { ...env, NODE_OPTIONS: nodeArgs.join(' ') } : env })
      : spawn(process.execPath, [...nodeArgs, ...(program.kind === 'tsx' ? ['--import', 'tsx', SOURCES] : [BIN]), ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    dataDir: options.dataDir,
    logLines() {
      let text = '';
      try {
        text = readFileSync(join(options.dataDir, 'logs', 'agent.log'), 'utf8');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    exited,
    async stop() {
      if (alive()) child.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    stderr: () => stderr,
  };
}
