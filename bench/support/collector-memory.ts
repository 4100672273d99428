// How much memory a collector process holds and of what kind: its own view through the V8 inspector
// (sim/processes/inspector.ts) after a full GC, the kernel's view from /proc, and glibc's free memory.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Inspector } from '../../sim/processes/inspector.ts';

export interface MemoryFigures {
  /** RSS and V8 heap reserved as found, before the GC: what the process held, garbage included. */
  rssAsFound: number;
  heapTotalAsFound: number;
  /** process.memoryUsage() after a full GC, in bytes. */
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  rss: number;
  /** /proc/PID/status, in bytes: anonymous memory (heap, malloc), mapped files (code, SQLite's mmap), shared memory. */
  rssAnon: number;
  rssFile: number;
  rssShmem: number;
  /** Resident pages of SQLite's files mapped into the process (the database through mmap_size, the WAL index -shm). */
  sqliteMapped: number;
}

/** Rss of the mappings whose file name matches, from /proc/PID/smaps, in bytes. */
export function mappedRss(pid: number, file: RegExp): number {
  let total = 0;
  let counting = false;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    // A mapping's header: address range, permissions, offset, device, inode, path.
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) counting = file.test(header[1]!);
    else if (counting && line.startsWith('Rss:')) total += Number(/(\d+) kB/.exec(line)?.[1] ?? 0) * 1024;
  }
  return total;
}

function statusBytes(pid: number, field: string): number {
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
}

/** A process's anonymous resident memory (its heap and buffers: what it holds that no other process shares), in MB. */
export function anonymousMb(pid: number): number {
  return Math.round(statusBytes(pid, 'RssAnon') / 1024 / 1024);
}

/** One line for a process's RSS by kind: anonymous, file-backed, and SQLite's mapped files among those. */
export function rssKinds(pid: number): string {
  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  return `anonymous ${mb(statusBytes(pid, 'RssAnon'))} MB, file-backed ${mb(statusBytes(pid, 'RssFile'))} MB (SQLite's files ${mb(mappedRss(pid, /\.sqlite(-shm)?$/))} MB)`;
}

export async function memoryFigures(inspector: Inspector, pid: number): Promise<MemoryFigures> {
  const found = await inspector.evaluate<NodeJS.MemoryUsage>('process.memoryUsage()');
  const usage = await inspector.retained();
  return {
    rssAsFound: found.rss,
    heapTotalAsFound: found.heapTotal,
    ...usage,
    rssAnon: statusBytes(pid, 'RssAnon'),
    rssFile: statusBytes(pid, 'RssFile'),
    rssShmem: statusBytes(pid, 'RssShmem'),
    sqliteMapped: mappedRss(pid, /\.sqlite(-shm)?$/),
  };
}

/**
 * Asks glibc (through gdb) to return the free memory it still holds to the OS (malloc_trim(0)), and
 * says how many bytes of RSS that released: memory the process had freed but kept resident
 * (fragmented heap), as opposed to memory still in use. Null when gdb is not installed.
 */
export function mallocTrimReleased(pid: number): number | null {
  const before = statusBytes(pid, 'RssAnon');
  try {
    execFileSync('gdb', ['-p', String(pid), '-batch', '-ex', 'call (int) malloc_trim(0)'], { stdio: 'ignore', timeout: 60_000 });
  } catch {
    return null;
  }
  return before - statusBytes(pid, 'RssAnon');
}
