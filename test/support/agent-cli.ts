// Runs the real CLI as a child process (`node bin/keyready-agent.js …`, the built bundle; or another
// program such as the packaged single file), with a clean environment.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export const AGENT_BIN = join(import.meta.dirname, '..', '..', 'bin', 'keyready-agent.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `stdin`: bytes piped to the agent (a paste), then closed; without it the pipe stays as before, open and empty. */
export function agent(
  args: string[],
  env: Record<string, string> = {},
  program: readonly string[] = [process.execPath, AGENT_BIN],
  stdin?: Buffer,
): Promise<Run> {
  const [file, ...programArgs] = program;
  return new Promise((resolve) => {
    const child = execFile(
      file!,
      [...programArgs, ...args],
      { timeout: 30_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LANG: 'en_US.UTF-8', ...env } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}
