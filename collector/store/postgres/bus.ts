// The bus across collector processes: publish is a NOTIFY on one channel (delivered to every
// listening session, this one included, once its implicit transaction commits); one dedicated
// connection per store LISTENs and fans events out in-process. A NOTIFY payload is text from another
// process, parsed like any external input.
import pg from 'pg';
import { errorText } from '../../../protocol/error-text.ts';
import { BusEventSchema, LocalBus } from '../common/bus.ts';
import type { BusEvent, StoreLog } from '../types.ts';

const CHANNEL = 'keyready_bus';
const LISTEN_RETRY_MS = 1000;
/** NOTIFYs to a statement: every listener parses and fans out one statement's in one turn of its event loop. */
const NOTIFY_CHUNK = 50;

export class PostgresBus {
  private readonly local: LocalBus;
  private listener: pg.Client | null = null;
  private listening: Promise<void> | null = null;
  private closed = false;
  private markReady: () => void = () => {};
  private readonly listeningOnce = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
    private readonly log: StoreLog,
  ) {
    this.local = new LocalBus(log);
  }

  /**
   * NOTIFY_CHUNK events a statement, one after another: a statement per event cost the event loop a
   * socket write and read per changed PC (coalesced-reads.ts says how much in a storm). A
   * transaction's NOTIFYs are delivered in the order it sent them.
   */
  async publish(events: readonly BusEvent[]): Promise<void> {
    for (let from = 0; from < events.length; from += NOTIFY_CHUNK) {
      await this.pool.query('SELECT pg_notify($1, e.payload) FROM unnest($2::text[]) WITH ORDINALITY AS e(payload, n) ORDER BY e.n', [
        CHANNEL,
        events.slice(from, from + NOTIFY_CHUNK).map((event) => JSON.stringify(event)),
      ]);
    }
  }

  subscribe(handler: (event: BusEvent) => void): () => void {
    const unsubscribe = this.local.subscribe(handler);
    this.listening ??= this.listen();
    return unsubscribe;
  }

  /** Resolves when the first LISTEN is in place (a reconnect later may miss events; see listen()). */
  ready(): Promise<void> {
    this.listening ??= this.listen();
    return this.listeningOnce;
  }

  async close(): Promise<void> {
    this.closed = true;
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
  }

  /**
   * One dedicated connection (not from the pool: LISTEN belongs to a session) receives the channel.
   * When it drops, it reconnects after a pause; events sent meanwhile are missed, which the live layer
   * tolerates (the dashboard re-reads state on its own schedule).
   */
  private async listen(): Promise<void> {
    while (!this.closed) {
      const client = new pg.Client({ connectionString: this.url });
      const lost = new Promise<void>((resolve) => {
        client.on('error', (error) => {
          if (!this.closed) this.log.error('postgres LISTEN connection lost', { event: 'store.listen-lost', reason: error.message });
          resolve();
        });
        client.on('end', () => resolve());
      });
      client.on('notification', (message) => {
        if (message.channel !== CHANNEL || message.payload === undefined) return;
        const parsed = BusEventSchema.safeParse(safeJson(message.payload));
        if (parsed.success) this.local.deliver(parsed.data);
        else this.log.error('ignored a malformed bus event', { event: 'store.bus-malformed', channel: CHANNEL });
      });
      try {
        await client.connect();
        if (this.closed) {
          await client.end();
          return;
        }
        this.listener = client;
        await client.query(`LISTEN ${CHANNEL}`);
        this.markReady();
        await lost;
      } catch (error) {
        if (!this.closed) this.log.error('postgres LISTEN failed', { event: 'store.listen-failed', reason: errorText(error) });
      }
      this.listener = null;
      await client.end().catch(() => undefined);
      if (!this.closed) await new Promise((resolve) => setTimeout(resolve, LISTEN_RETRY_MS));
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
