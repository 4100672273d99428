// Starts a real collector process (bin/keyready-collector.js) on a free loopback port and reads
// what it prints: the ready line, the enrollment secret, the first-start admin password, log lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { READY_PREFIX } from '../../collector/config.ts';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'keyready-collector.js');

export interface CollectorProcess {
  child: ChildProcess;
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
  /** ws://127.0.0.1:PORT/agent */
  agentUrl: string;
  instanceId: string;
  enrollSecret: string | null;
  adminPassword: string | null;
  /** Every stdout line so far (banner and JSON log lines). */
  lines: string[];
  /** What it wrote to stderr so far (a crash's stack trace). */
  stderr(): string;
  /** The JSON log lines whose `event` is `event`. */
  events(event: string): Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (graceful) and wait for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill9(): Promise<void>;
}

export interface StartOptions {
  /** sqlite:PATH or postgres://… */
  db: string;
  args?: string[];
  env?: Record<string, string>;
  /** Options for node itself (e.g. --cpu-prof), before the script. */
  nodeArgs?: string[];
  /** Another build's bin/keyready-collector.js (a bench comparing two builds in one run); default this repository's. */
  bin?: string;
  timeoutMs?: number;
}

export async function startCollectorProcess(options: StartOptions): Promise<CollectorProcess> {
  // Without its own --data-dir a collector would keep its generated secret in ./data of the repository.
  const ownDataDir = options.args?.includes('--data-dir') ? null : mkdtempSync(join(tmpdir(), 'keyready-collector-'));
  const dataArgs = ownDataDir ? ['--data-dir', ownDataDir] : [];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.bin ?? BIN, '--port', '0', '--host', '127.0.0.1', '--db', options.db, ...dataArgs, ...(options.args ?? [])], {
    env: { ...process.env, KEYREADY_LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => {
      if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
      done({ code, signal });
    }),
  );
  const ready = await new Promise<{ port: number; url: string; instanceId: string }>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`collector not ready in time:\n${lines.join('\n')}\n${stderr.join('\n')}`)), options.timeoutMs ?? 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line.startsWith(READY_PREFIX)) {
        clearTimeout(timer);
        done(JSON.parse(line.slice(READY_PREFIX.length)) as { port: number; url: string; instanceId: string });
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      fail(new Error(`collector exited (${code}) before ready:\n${lines.join('\n')}\n${stderr.join('\n')}`));
    });
  });
  const banner = (label: string): string | null => {
    const line = lines.find((l) => l.trimStart().startsWith(label));
    return line ? line.slice(line.indexOf(label) + label.length).trim() : null;
  };
  const url = ready.url;
  return {
    child,
    port: ready.port,
    url,
    agentUrl: `${url.replace(/^http/, 'ws')}/agent`,
    instanceId: ready.instanceId,
    // Printed only when this start generated it.
    enrollSecret: banner('Enrollment secret:')?.match(/^[A-Za-z0-9_-]{43}(?=\s|$)/)?.[0] ?? null,
    adminPassword: banner('Dashboard login:')?.match(/^admin \/ (\S+)/)?.[1] ?? null,
    lines,
    stderr: () => stderr.join('\n'),
    events: (event) =>
      lines
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((e) => e.event === event),
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
