// The collector's data directory and the files in it hold the fleet's weaknesses and its secrets:
// owner-only (0700 / 0600) whatever the umask. chmod is applied after creating, because mkdir's and
// open's modes are filtered by the umask; a path found looser than that is tightened and reported,
// so the caller can warn (an install made before this rule, or a copy made by hand).
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Where a path was looser than owner-only, before it was tightened. */
export interface Tightened {
  path: string;
  was: string;
}

function tighten(path: string, mode: number): Tightened | null {
  // POSIX modes mean nothing on Windows (ACLs decide there); the installer's job, not this one.
  if (process.platform === 'win32') return null;
  const current = statSync(path).mode & 0o777;
  if ((current & ~mode) === 0) return null;
  chmodSync(path, mode);
  return { path, was: current.toString(8).padStart(4, '0') };
}

/** Creates the directory (and parents) when missing; makes it 0700. */
export function ensurePrivateDir(dir: string): Tightened | null {
  const existed = existsSync(dir);
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const found = tighten(dir, PRIVATE_DIR_MODE);
  return existed ? found : null;
}

/** Makes each existing file 0600; with `create`, an absent one is created empty first (then SQLite's -wal and -shm inherit its mode). */
export function ensurePrivateFiles(paths: readonly string[], create = false): Tightened[] {
  const found: Tightened[] = [];
  for (const path of paths) {
    if (!existsSync(path)) {
      if (!create) continue;
      closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
      tighten(path, PRIVATE_FILE_MODE);
      continue;
    }
    const loose = tighten(path, PRIVATE_FILE_MODE);
    if (loose) found.push(loose);
  }
  return found;
}

/** Writes a secret to a new owner-only file; refuses to overwrite one (it may be the only copy). */
export function writePrivateFile(path: string, text: string): void {
  writeFileSync(path, text, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  tighten(path, PRIVATE_FILE_MODE);
}

/** The text of a private file, or null when there is none. */
export function readPrivateFile(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : null;
}
