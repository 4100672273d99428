// Presence writes (hello: connected; close: disconnected) gathered for a few milliseconds and applied
// with one markPresence call, one transaction: a reconnect storm's thousands of hellos share a few
// commits instead of paying one fsync each. One batch is in flight at a time and batches keep call
// order, so a device's changes land in the order they happened: a quick reconnect's "disconnected"
// never overtakes its "connected", even across PostgreSQL's pool. Each caller's promise resolves
// only after the commit.
import type { PresenceChange, Store } from '../store/types.ts';

export interface PresenceOptions {
  maxBatch: number;
  maxDelayMs: number;
}

interface Pending {
  change: PresenceChange;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class PresenceBatcher {
  #queue: Pending[] = [];
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<void> | null = null;

  constructor(
    private readonly store: Pick<Store, 'markPresence'>,
    private readonly options: PresenceOptions,
  ) {}

  write(change: PresenceChange): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ change, resolve, reject });
      this.#schedule();
    });
  }

  /** Applies everything queued and waits for it (shutdown, before the instance is released). */
  async drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#inFlight) {
      this.#flush();
      await this.#inFlight;
    }
  }

  #schedule(): void {
    if (this.#queue.length >= this.options.maxBatch && !this.#inFlight) this.#flush();
    // The window runs even while a batch is in flight: changes arriving one per turn still gather
    // into one batch, instead of each following the previous commit alone.
    else
      this.#timer ??= setTimeout(() => {
        this.#timer = null;
        if (!this.#inFlight) this.#flush();
      }, this.options.maxDelayMs);
  }

  #flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#inFlight || this.#queue.length === 0) return;
    const batch = this.#queue.splice(0, this.options.maxBatch);
    this.#inFlight = this.store.markPresence(batch.map((p) => p.change)).then(
      () => {
        for (const p of batch) p.resolve();
      },
      (error: unknown) => {
        for (const p of batch) p.reject(error);
      },
    );
    void this.#inFlight.then(() => {
      this.#inFlight = null;
      // A full batch, or one whose window ended during that commit, goes now; otherwise its timer sends it.
      if (this.#queue.length >= this.options.maxBatch || (this.#queue.length > 0 && !this.#timer)) this.#flush();
    });
  }
}
