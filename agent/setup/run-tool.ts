// The Windows tools setup runs (icacls, schtasks, sc), each run hidden, saying how it ended instead of
// throwing. A tool the OS could not start at all (no exit status, and not a missing program) is tried
// again after a pause: process creation fails now and then on a loaded machine (seen under Wine in a
// loaded test run as `spawnSync schtasks UNKNOWN`), and an MSI install should not roll back for that.
import { execFileSync } from 'node:child_process';
import { errorText } from '../../protocol/error-text.ts';

export type ToolResult = { ok: true } | { ok: false; status: number | null; message: string };

/** Runs the tool to its end; throws as execFileSync does (an exit status, or a spawn error's code). */
export type ToolExec = (command: string, args: readonly string[]) => void;

const hiddenExec: ToolExec = (command, args) => {
  execFileSync(command, args, { stdio: 'pipe', windowsHide: true });
};

export const TOOL_ATTEMPTS = 3;
const PAUSE_MS = 500;

/** Whether the failure was the tool never starting for a passing reason (not absent, not its own exit). */
function notStarted(error: unknown): boolean {
  const failed = error as { status?: unknown; code?: unknown };
  return typeof failed.status !== 'number' && typeof failed.code === 'string' && failed.code !== 'ENOENT';
}

export function runTool(command: string, args: readonly string[], exec: ToolExec = hiddenExec, pause: (ms: number) => void = sleep): ToolResult {
  for (let attempt = 1; ; attempt++) {
    try {
      exec(command, args);
      return { ok: true };
    } catch (error) {
      if (notStarted(error) && attempt < TOOL_ATTEMPTS) {
        pause(PAUSE_MS);
        continue;
      }
      const failed = error as { status?: unknown; stdout?: Buffer };
      const message = (failed.stdout?.toString().trim() || errorText(error)).replace(/\s+/g, ' ');
      return { ok: false, status: typeof failed.status === 'number' ? failed.status : null, message };
    }
  }
}

/** Setup is synchronous (a custom action's one run): the pause blocks, as the tools themselves do. */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
