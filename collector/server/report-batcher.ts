// The ingest batcher: reports from every connection are gathered for a few milliseconds (or until a
// batch is full) and stored with one storeReports call, one transaction. Each caller's promise
// resolves only after that commit, which is what makes an ack a durability promise.
//
// The queue is `full` once `maxQueued` reports wait while every commit slot is busy: parsing more reports
// then only makes them wait longer on the heap (GC) and each event-loop turn longer for the
// dashboard's requests. Connections hold their frames unparsed and stop reading; `waitForRoom` lets
// them go on, in the order they asked, once a commit took a batch: each handles its frames in its next
// slice of agent work (work-slices.ts), and one that finds the queue full again asks again. TCP holds
// the rest.
import type { IncomingReport, Store, StoredOutcome } from '../store/types.ts';

export interface BatcherOptions {
  maxBatch: number;
  maxDelayMs: number;
  /** storeReports calls allowed at once (1 for SQLite, a few for PostgreSQL's pool). */
  concurrency: number;
  /**
   * Reports waiting for a commit slot before connections are held (default: one batch). One batch
   * keeps the fewest reports parsed and waiting; a few let each socket read deliver more frames
   * (fewer pauses and resumes). bench/README.md ("Ingest, second round") has the figures.
   */
  maxQueued?: number;
}

interface Pending {
  report: IncomingReport;
  waiters: { resolve: (outcome: StoredOutcome) => void; reject: (error: unknown) => void }[];
}

export class IngestBatcher {
  #queue = new Map<string, Pending>();
  #timer: NodeJS.Timeout | null = null;
  #inFlight = 0;
  readonly #roomWaiters: (() => void)[] = [];
  readonly #flushes = new Set<Promise<void>>();

  constructor(
    private readonly store: Pick<Store, 'storeReports'>,
    private readonly options: BatcherOptions,
    /** `seconds`: how long the store call took. */
    private readonly onBatch: (size: number, outcomes: StoredOutcome[] | null, error: unknown, seconds: number) => void = () => {},
  ) {}

  /** Resolves once the report is committed (or was already stored: `inserted` false). */
  submit(report: IncomingReport): Promise<StoredOutcome> {
    return new Promise((resolve, reject) => {
      // The same (device, seq) twice before a commit is one row and two acks, not two rows.
      const key = `${report.deviceId}\u0000${report.seq}`;
      const pending = this.#queue.get(key);
      if (pending) pending.waiters.push({ resolve, reject });
      else this.#queue.set(key, { report, waiters: [{ resolve, reject }] });
      this.#schedule();
    });
  }

  get queued(): number {
    return this.#queue.size;
  }

  /** `maxQueued` reports wait while every commit slot is busy: more would only wait longer. */
  get full(): boolean {
    return this.#queue.size >= (this.options.maxQueued ?? this.options.maxBatch);
  }

  /**
   * Calls `proceed` once the queue has room, in the order the callers asked. A caller that fills the
   * queue again asks again; the callers after it wait for the next batch to go out.
   */
  waitForRoom(proceed: () => void): void {
    this.#roomWaiters.push(proceed);
    this.#letWaitersIn();
  }

  #letWaitersIn(): void {
    while (!this.full && this.#roomWaiters.length > 0) this.#roomWaiters.shift()!();
  }

  /** Stores everything queued and waits for every commit in flight (shutdown). */
  async drain(): Promise<void> {
    while (this.#queue.size > 0 || this.#flushes.size > 0) {
      if (this.#queue.size > 0 && this.#inFlight < this.options.concurrency) this.#flush();
      await Promise.race(this.#flushes);
    }
  }

  #schedule(): void {
    if (this.#queue.size >= this.options.maxBatch && this.#inFlight < this.options.concurrency) {
      this.#flush();
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        if (this.#inFlight < this.options.concurrency) this.#flush();
        else if (this.#queue.size > 0) this.#schedule();
      }, this.options.maxDelayMs);
    }
  }

  #flush(): void {
    if (this.#queue.size === 0) return;
    const batch: Pending[] = [];
    for (const [key, pending] of this.#queue) {
      batch.push(pending);
      this.#queue.delete(key);
      if (batch.length >= this.options.maxBatch) break;
    }
    this.#inFlight += 1;
    const flush = this.#store(batch).finally(() => {
      this.#inFlight -= 1;
      this.#flushes.delete(flush);
      if (this.#queue.size > 0) this.#schedule();
    });
    this.#flushes.add(flush);
    this.#letWaitersIn();
  }

  async #store(batch: Pending[]): Promise<void> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const outcomes = await this.store.storeReports(batch.map((p) => p.report));
      const took = seconds();
      const byKey = new Map(outcomes.map((o) => [`${o.deviceId}\u0000${o.seq}`, o]));
      for (const pending of batch) {
        const outcome = byKey.get(`${pending.report.deviceId}\u0000${pending.report.seq}`);
        for (const waiter of pending.waiters) {
          if (outcome) waiter.resolve(outcome);
          else waiter.reject(new Error('store returned no outcome for a report'));
        }
      }
      this.onBatch(batch.length, outcomes, null, took);
    } catch (error) {
      for (const pending of batch) for (const waiter of pending.waiters) waiter.reject(error);
      this.onBatch(batch.length, null, error, seconds());
    }
  }
}
