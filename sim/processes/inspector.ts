// A Node process's V8 inspector, as a client (the process was started with --inspect=127.0.0.1:0):
// full garbage collections and process.memoryUsage() from inside it, heap snapshots written by it.
// The memory bench and the per-connection memory test read a collector's heap through this.
import WebSocket from 'ws';

export class Inspector {
  #nextId = 1;
  readonly #pending = new Map<number, { done: (result: Record<string, unknown>) => void; fail: (error: Error) => void }>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
      const waiter = message.id === undefined ? undefined : this.#pending.get(message.id);
      if (!waiter) return;
      this.#pending.delete(message.id!);
      if (message.error) waiter.fail(new Error(message.error.message));
      else waiter.done(message.result ?? {});
    });
  }

  /** `stderr`: what the process printed so far (--inspect prints the inspector's address there). */
  static async attach(stderr: string): Promise<Inspector> {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1];
    if (!url) throw new Error('the process was not started with --inspect=127.0.0.1:0');
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise((done, fail) => {
      ws.once('open', done);
      ws.once('error', fail);
    });
    return new Inspector(ws);
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    return new Promise((done, fail) => {
      this.#pending.set(id, { done, fail });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** A JSON-serialisable expression evaluated in the process's main context (`require` included). */
  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = (await this.call('Runtime.evaluate', { expression, returnByValue: true, includeCommandLineAPI: true })) as {
      result: { value: T };
      exceptionDetails?: { text: string };
    };
    if (exceptionDetails) throw new Error(`${expression}: ${exceptionDetails.text}`);
    return result.value;
  }

  /** process.memoryUsage() after full collections: what is retained, not what awaits the next sweep. */
  async retained(): Promise<NodeJS.MemoryUsage> {
    // Twice: weak callbacks and finalizers of the first collection free more in the second.
    await this.call('HeapProfiler.collectGarbage');
    await this.call('HeapProfiler.collectGarbage');
    return this.evaluate<NodeJS.MemoryUsage>('process.memoryUsage()');
  }

  /** Writes a heap snapshot (after a full collection) to `file`, from inside the process. */
  async writeHeapSnapshot(file: string): Promise<void> {
    await this.call('HeapProfiler.collectGarbage');
    await this.evaluate(`require('v8').writeHeapSnapshot(${JSON.stringify(file)})`);
  }

  close(): void {
    this.ws.close();
  }
}
