// A transport that answers each written report with prepared reports: replays recorded exchanges
// byte for byte, and feeds arbitrary (fuzzed) reports to the CTAPHID channel.
import type { HidTransport } from '../../agent/fido/transport/types.ts';

export interface ScriptedTransport extends HidTransport {
  readonly writes: Uint8Array[];
  readonly closed: boolean;
}

export function scriptedTransport(answer: (report: Uint8Array, index: number) => Uint8Array[]): ScriptedTransport {
  const writes: Uint8Array[] = [];
  const queue: Uint8Array[] = [];
  let closed = false;
  return {
    writes,
    get closed() {
      return closed;
    },
    async write(report) {
      writes.push(new Uint8Array(report));
      queue.push(...answer(report, writes.length - 1));
    },
    async read(timeoutMs) {
      const next = queue.shift();
      if (next) return next;
      await new Promise((resolve) => setTimeout(resolve, Math.min(timeoutMs, 5)));
      return queue.shift() ?? null;
    },
    async close() {
      closed = true;
    },
  };
}
