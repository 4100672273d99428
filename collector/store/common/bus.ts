// Bus events as they cross process boundaries (PostgreSQL NOTIFY payloads are text from another
// process: parsed like any external input) and the in-process fan-out both engines deliver through.
import * as z from 'zod';
import { errorText } from '../../../protocol/error-text.ts';
import type { BusEvent, StoreLog } from '../types.ts';

export const BusEventSchema: z.ZodType<BusEvent> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('device-changed'), deviceId: z.string() }),
  z.object({ type: z.literal('device-revoked'), deviceId: z.string() }),
  z.object({ type: z.literal('recheck'), deviceId: z.string(), requestId: z.string() }),
  z.object({ type: z.literal('recheck-sent'), deviceId: z.string(), requestId: z.string() }),
  z.object({ type: z.literal('recheck-reported'), deviceId: z.string(), requestId: z.string() }),
]);

export class LocalBus {
  private readonly handlers = new Set<(event: BusEvent) => void>();

  constructor(private readonly log: StoreLog) {}

  subscribe(handler: (event: BusEvent) => void): () => void {
    // Wrapped so the same function subscribed twice gets two independent subscriptions.
    const entry = (event: BusEvent) => handler(event);
    this.handlers.add(entry);
    return () => {
      this.handlers.delete(entry);
    };
  }

  /** Delivers after the current tick, like a notification would; one failing handler spares the rest. */
  deliver(event: BusEvent): void {
    for (const handler of [...this.handlers]) {
      queueMicrotask(() => {
        try {
          handler(event);
        } catch (error) {
          this.log.error('bus handler failed', { event: 'store.bus-handler', type: event.type, reason: errorText(error) });
        }
      });
    }
  }
}
