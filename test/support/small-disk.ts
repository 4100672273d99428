// A small, real file system for "disk full" tests: a tmpfs of a fixed size mounted on a folder, so
// writes fail with the kernel's own ENOSPC (no fs call is mocked). Mounting needs root (this box and
// CI run as root); elsewhere the test skips saying why, and in CI that is a failure.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Prerequisite } from './prerequisites.ts';

export interface SmallDisk {
  readonly dir: string;
  /** Fills every free byte with `name` (until ENOSPC); returns the bytes written. */
  fill(name?: string): number;
  unmount(): void;
}

export function mountSmallDisk(dir: string, bytes: number): (Prerequisite & { disk: SmallDisk }) | (Prerequisite & { disk: null }) {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    const reason = `cannot mount a small tmpfs on ${dir} (needs root): ${String(error).split('\n')[0]}`;
    if (process.env.CI === 'true') throw new Error(`CI prerequisite missing: ${reason}`);
    console.warn(`[skip] ${reason}`);
    return { available: false, reason, disk: null };
  }
  const disk: SmallDisk = {
    dir,
    fill(name = 'filler') {
      const fd = openSync(join(dir, name), 'w');
      const chunk = Buffer.alloc(4096, 0x5a);
      let written = 0;
      try {
        for (;;) written += writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        closeSync(fd);
      }
      return written;
    },
    unmount() {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    },
  };
  return { available: true, reason: '', disk };
}
