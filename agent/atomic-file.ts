// Crash-safe file replacement: a reader sees the old content or the new, never a torn file, even
// after kill -9 or a power cut (write a temp file, fsync it, rename over, fsync the directory so the
// rename itself is durable).
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Temp files carry this prefix so a directory scan can skip (and clean up) leftovers of a crash. */
export const TEMP_PREFIX = '.tmp-';

export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  const temp = join(dirname(path), `${TEMP_PREFIX}${process.pid}-${basename(path)}`);
  try {
    const fd = openSync(temp, 'w', mode);
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  fsyncDir(dirname(path));
}

/** Makes renames and unlinks in `dir` durable. Windows cannot open a directory for fsync; NTFS journals the rename. */
export function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
