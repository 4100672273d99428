// The writer thread's entry (bundled as dist/keyready-sqlite-writer.mjs): it owns the SQLite
// connection that writes and answers the event loop's requests (writer-client.ts) one message each.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteWriter, type WriterData, type WriterReply, type WriterRequest } from './writer.ts';

const port = parentPort;
if (!port) throw new Error('writer-thread.ts runs only as a worker thread (writer-client.ts starts it)');
const data = workerData as WriterData;
const writer = new SqliteWriter(data.path, data.connection);
const inFlight = new Set<Promise<void>>();

function reply(message: WriterReply): void {
  port!.postMessage(message);
}

function failed(id: number, error: unknown): WriterReply {
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  return { id, ok: false, message: error instanceof Error ? error.message : String(error), code };
}

async function close(id: number): Promise<void> {
  // Queued writes commit now; their replies go out before the thread stops.
  writer.close();
  await Promise.allSettled(inFlight);
  reply({ id, ok: true, value: undefined });
  port!.close();
}

port.on('message', (request: WriterRequest) => {
  if (request.method === 'close') {
    void close(request.id);
    return;
  }
  const { id, method, args } = request;
  const write = writer[method] as (...args: unknown[]) => Promise<unknown>;
  const call = write.apply(writer, args).then(
    (value) => reply({ id, ok: true, value }),
    (error: unknown) => reply(failed(id, error)),
  );
  inFlight.add(call);
  void call.finally(() => inFlight.delete(call));
});
