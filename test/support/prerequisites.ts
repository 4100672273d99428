// Tests that need a system package (Chromium, Wine, wixl) skip on a developer laptop that lacks it,
// saying why; in CI (CI=true) a missing prerequisite is a failure, never a silent skip.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export interface Prerequisite {
  readonly available: boolean;
  readonly reason: string;
}

function onPath(command: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Looks for a command (on PATH or at an absolute path); throws in CI when it is missing. */
export function requireTool(command: string, aptPackage: string): Prerequisite & { path: string | null } {
  const path = command.startsWith('/') ? (existsSync(command) ? command : null) : onPath(command);
  if (path) return { available: true, reason: '', path };
  const reason = `${command} not found: install the Debian package "${aptPackage}" (.ci/run does)`;
  if (process.env.CI === 'true') throw new Error(`CI prerequisite missing: ${reason}`);
  console.warn(`[skip] ${reason}`);
  return { available: false, reason, path: null };
}

/**
 * Wine's loader: `wine` where the wine package is installed, else Debian wine64's own binary, which
 * .ci/run installs without the recommended wrapper packages.
 */
export function requireWine(): Prerequisite & { path: string | null } {
  const found = onPath('wine') ?? onPath('wine64');
  return found ? { available: true, reason: '', path: found } : requireTool('/usr/lib/wine/wine64', 'wine64');
}
