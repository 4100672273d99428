// Runs the real CLI as a child process (`node bin/keyready-agent.js …`), with a clean environment.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export const AGENT_BIN = join(import.meta.dirname, '..', '..', 'bin', 'keyready-agent.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function agent(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [AGENT_BIN, ...args],
      { timeout: 30_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LANG: 'en_US.UTF-8', ...env } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
