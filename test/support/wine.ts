// Windows programs under Wine for the tests: a fresh prefix per suite (its own registry, C: drive),
// reported as Windows 10 — Node refuses older versions. Wine stands in for Windows, the one part of
// the agent's world that cannot exist here. Node under Wine cannot write to a console (EBADF) nor to
// a pipe (its socket wrapper fails with EBADF, or the output is lost): stdout and stderr go to files.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

export interface WineRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface WinePrefix {
  readonly dir: string;
  /** A Windows path inside the prefix as a Linux path, e.g. C:\ProgramData → <dir>/drive_c/ProgramData. */
  hostPath(windowsPath: string): string;
  run(program: string, args: readonly string[], options?: { timeoutMs?: number; env?: Record<string, string> }): Promise<WineRun>;
  /** Starts a long-running program (an agent in service mode); stop() ends it and gives what it printed. */
  start(program: string, args: readonly string[]): { stop(): Promise<WineRun> };
  /** `reg add KEY /v NAME /t TYPE /d DATA /f` in the 64-bit view, failing the test when reg.exe fails. */
  regAdd(key: string, name: string | null, type: 'REG_SZ' | 'REG_DWORD', data: string): Promise<void>;
  close(): Promise<void>;
}

export async function createWinePrefix(wine: string): Promise<WinePrefix> {
  const dir = await mkdtemp(join(tmpdir(), 'keyready-wine-'));
  const env = { ...process.env, WINEPREFIX: dir, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };
  let runs = 0;
  function launch(program: string, args: readonly string[], options: { timeoutMs?: number; env?: Record<string, string> }) {
    const out = join(dir, `run-${++runs}`);
    const stdout = openSync(`${out}.out`, 'w');
    const stderr = openSync(`${out}.err`, 'w');
    const child = spawn(wine, [program, ...args], { env: { ...env, ...options.env }, stdio: ['ignore', stdout, stderr], ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}) });
    closeSync(stdout);
    closeSync(stderr);
    const exited = new Promise<WineRun>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => resolve({ code: code ?? -1, stdout: readFileSync(`${out}.out`, 'utf8'), stderr: readFileSync(`${out}.err`, 'utf8') }));
    });
    return { child, exited };
  }
  const run: WinePrefix['run'] = (program, args, { timeoutMs = 60_000, env: extraEnv = {} } = {}) => launch(program, args, { timeoutMs, env: extraEnv }).exited;
  const prefix: WinePrefix = {
    dir,
    hostPath: (windowsPath) => join(dir, 'drive_c', ...windowsPath.replace(/^C:\\/i, '').split('\\')),
    run,
    start(program, args) {
      const { child, exited } = launch(program, args, {});
      return {
        stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      };
    },
    async regAdd(key, name, type, data) {
      const result = await run('reg', ['add', key, ...(name === null ? ['/ve'] : ['/v', name]), '/t', type, '/d', data, '/f', '/reg:64']);
      if (result.code !== 0) throw new Error(`wine reg add ${key} ${name ?? '(default)'} failed (${result.code}): ${result.stdout}${result.stderr}`);
    },
    async close() {
      execFileSync(wineserver, ['-k'], { env, stdio: 'ignore', timeout: 30_000 });
      await rm(dir, { recursive: true, force: true });
    },
  };
  // A wineserver that stays up for the whole suite: by default it exits a few seconds after its last
  // program, and a program started just then failed at once with no output (seen once under load).
  const wineserver = existsSync(join(dirname(wine), 'wineserver')) ? join(dirname(wine), 'wineserver') : 'wineserver';
  execFileSync(wineserver, ['-p'], { env, stdio: 'ignore', timeout: 30_000 });
  // Creates the prefix (first run) and makes it report Windows 10.
  const setUp = await run('winecfg', ['-v', 'win10'], { timeoutMs: 180_000 });
  if (setUp.code !== 0) throw new Error(`wine winecfg -v win10 failed (${setUp.code}): ${setUp.stderr}`);
  return prefix;
}

/** A fresh prefix for the enclosing describe block (call it inside the block), removed afterwards. */
export function useWinePrefix(wine: string | null): () => WinePrefix {
  let prefix: WinePrefix | null = null;
  beforeAll(async () => {
    if (wine === null) throw new Error('no Wine: skip the block when requireWine() says it is unavailable');
    prefix = await createWinePrefix(wine);
  }, 300_000);
  afterAll(async () => {
    await prefix?.close();
  }, 60_000);
  return () => {
    if (prefix === null) throw new Error('the Wine prefix exists only inside tests');
    return prefix;
  };
}
