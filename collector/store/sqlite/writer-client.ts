// The event loop's side of the writer thread (writer-thread.ts): each call is one message there and
// one reply back, resolved only after the write committed. The thread holds the process open only
// while a call waits for its reply, as the connection it replaces did not hold it at all.
import { Worker } from 'node:worker_threads';
import { tsxEntry } from '../../shared/tsx-entry.ts';
import type { StoreLog } from '../types.ts';
import type { SqliteWriter, WriteMethod, WriterData, WriterReply, WriterRequest } from './writer.ts';

interface Waiting {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The thread's code: beside the collector's bundle in dist/ (installers/build.ts), or this folder's
 * TypeScript, loaded through tsx's ESM API (its CommonJS one cannot register hooks in a worker) when
 * the collector runs from source (tests, benches).
 */
function spawnWriter(workerData: WriterData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./keyready-sqlite-writer.mjs', import.meta.url), { workerData });
  const entry = new URL('./writer-thread.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(tsxEntry('./esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`, { eval: true, workerData });
}

export class WriterThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 0;
  /** Set once the thread died or was closed: every later call fails with it. */
  #stopped: Error | null = null;
  /** Closing holds the process open until the thread has exited, past the close request's reply. */
  #closing = false;
  #closed: Promise<void> | undefined;

  constructor(data: WriterData, private readonly log: StoreLog) {
    this.#worker = spawnWriter(data);
    this.#worker.unref();
    this.#worker.on('message', (reply: WriterReply) => this.#settle(reply));
    this.#worker.on('error', (error) => this.#stop(error, true));
    this.#worker.on('exit', (code) => this.#stop(new Error(`the SQLite writer thread exited (code ${code})`), code !== 0));
  }

  call<M extends WriteMethod>(method: M, ...args: Parameters<SqliteWriter[M]>): Promise<Awaited<ReturnType<SqliteWriter[M]>>> {
    return this.#send({ id: this.#nextId++, method, args }) as Promise<Awaited<ReturnType<SqliteWriter[M]>>>;
  }

  /** Commits what is queued and stops the thread (once, however often asked). */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    if (this.#stopped) return;
    const exited = new Promise((resolve) => this.#worker.once('exit', resolve));
    this.#closing = true;
    await this.#send({ id: this.#nextId++, method: 'close' });
    await exited;
  }

  /** false once the thread is gone: no write can be stored. */
  get alive(): boolean {
    return this.#stopped === null;
  }

  #send(request: WriterRequest): Promise<unknown> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    return new Promise((resolve, reject) => {
      this.#waiting.set(request.id, { resolve, reject });
      if (this.#waiting.size === 1) this.#worker.ref();
      this.#worker.postMessage(request);
    });
  }

  #settle(reply: WriterReply): void {
    const waiting = this.#waiting.get(reply.id);
    if (!waiting) return;
    this.#waiting.delete(reply.id);
    if (this.#waiting.size === 0 && !this.#closing) this.#worker.unref();
    if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(Object.assign(new Error(reply.message), reply.code === undefined ? {} : { code: reply.code }));
  }

  #stop(error: Error, unexpected: boolean): void {
    if (this.#stopped) return;
    this.#stopped = error;
    if (unexpected) this.log.error('the SQLite writer thread stopped: nothing more can be stored', { event: 'store.writer', error: error.message });
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
  }
}
