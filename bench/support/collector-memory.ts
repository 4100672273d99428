// How much memory a collector process holds and of what kind: its own view read through the V8
// inspector (the process is started with `--inspect=127.0.0.1:0`) after a full GC, so the heap
// figures are what is retained, not what the last turn left to sweep; the kernel's view from /proc.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import type { CollectorProcess } from '../../sim/processes/collector-process.ts';

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
  /** /proc/PID/status, in bytes: anonymous memory (heap, malloc), mapped files (code, SQLite's mmap), shared memory (SQLite's -shm). */
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

/** The inspector's WebSocket address, from what `--inspect` printed on stderr. */
function inspectorUrl(collector: CollectorProcess): string {
  const match = /Debugger listening on (ws:\/\/\S+)/.exec(collector.stderr());
  if (!match) throw new Error('the collector was not started with --inspect=127.0.0.1:0');
  return match[1]!;
}

export class Inspector {
  #nextId = 1;
  readonly #pending = new Map<number, { done: (result: Record<string, unknown>) => void; fail: (error: Error) => void }>();

  private constructor(
    private readonly ws: WebSocket,
    private readonly pid: number,
  ) {
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
      const waiter = message.id === undefined ? undefined : this.#pending.get(message.id);
      if (!waiter) return;
      this.#pending.delete(message.id!);
      if (message.error) waiter.fail(new Error(message.error.message));
      else waiter.done(message.result ?? {});
    });
  }

  static async attach(collector: CollectorProcess): Promise<Inspector> {
    const ws = new WebSocket(inspectorUrl(collector), { perMessageDeflate: false });
    await new Promise((done, fail) => {
      ws.once('open', done);
      ws.once('error', fail);
    });
    return new Inspector(ws, collector.child.pid!);
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    return new Promise((done, fail) => {
      this.#pending.set(id, { done, fail });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** A JSON-serialisable expression evaluated in the collector's main context. */
  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = (await this.call('Runtime.evaluate', { expression, returnByValue: true })) as {
      result: { value: T };
      exceptionDetails?: { text: string };
    };
    if (exceptionDetails) throw new Error(`${expression}: ${exceptionDetails.text}`);
    return result.value;
  }

  async memory(): Promise<MemoryFigures> {
    const found = await this.evaluate<NodeJS.MemoryUsage>('process.memoryUsage()');
    // Twice: weak callbacks and finalizers of the first collection free more in the second.
    await this.call('HeapProfiler.collectGarbage');
    await this.call('HeapProfiler.collectGarbage');
    const usage = await this.evaluate<NodeJS.MemoryUsage>('process.memoryUsage()');
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (field: string) => Number(/(\d+) kB/.exec(status.split('\n').find((l) => l.startsWith(`${field}:`)) ?? '')?.[1] ?? NaN) * 1024;
    return { rssAsFound: found.rss, heapTotalAsFound: found.heapTotal, ...usage, rssAnon: kb('RssAnon'), rssFile: kb('RssFile'), rssShmem: kb('RssShmem'), sqliteMapped: mappedRss(this.pid, /\.sqlite(-shm)?$/) };
  }

  close(): void {
    this.ws.close();
  }
}

/**
 * Asks glibc (through gdb) to return the free memory it still holds to the OS (malloc_trim(0)), and
 * says how many bytes of RSS that released: memory the process had freed but kept resident
 * (fragmented heap), as opposed to memory still in use. Null when gdb is not installed.
 */
export function mallocTrimReleased(pid: number): number | null {
  const anon = (): number => Number(/RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
  const before = anon();
  try {
    execFileSync('gdb', ['-p', String(pid), '-batch', '-ex', 'call (int) malloc_trim(0)'], { stdio: 'ignore', timeout: 60_000 });
  } catch {
    return null;
  }
  return before - anon();
}
