// Runs a Windows tool (dsregcmd, reg) bounded in time and output size, never through a shell.
import { execFile } from 'node:child_process';

export type RunResult =
  | { kind: 'exited'; exitCode: number; stdout: Buffer; stderr: Buffer }
  | { kind: 'missing' }
  | { kind: 'timeout' }
  | { kind: 'failed'; message: string };

export function runTool(command: string, args: readonly string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { encoding: 'buffer', timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024, windowsHide: true },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ kind: 'exited', exitCode: 0, stdout, stderr });
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return resolve({ kind: 'missing' });
        if (error.killed || error.signal === 'SIGTERM') return resolve({ kind: 'timeout' });
        if (typeof code === 'number') return resolve({ kind: 'exited', exitCode: code, stdout, stderr });
        resolve({ kind: 'failed', message: error.message });
      },
    );
  });
}
