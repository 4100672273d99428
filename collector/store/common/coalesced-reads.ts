// Reads of one row by key, asked by many callers at once, answered by one statement. A reconnect
// storm brings a thousand hellos a second, each needing its device's auth row: on PostgreSQL a query
// each, with the bus's NOTIFY per changed PC, took about 1.1 s of the collector's event loop in a
// 5,000-agent storm's CPU profile, writing single queries to the database's sockets
// (bench/README.md, "Fewer round trips to PostgreSQL in a storm"). The keys asked during one turn
// are read together after it (setImmediate): a read is never older than a call it answers, since its
// statement starts after that call.

export interface CoalescedReadsOptions<K, V> {
  /** The rows of these keys (distinct, at most `maxKeys`); a key without a row is absent from the map. */
  read: (keys: K[]) => Promise<ReadonlyMap<K, V>>;
  /** Keys in one statement at most; more asked in one turn take several. */
  maxKeys: number;
  /** When the keys asked so far are read (after this turn; a test may run it by hand). */
  defer?: (flush: () => void) => void;
}

interface Waiter<V> {
  resolve: (value: V | null) => void;
  reject: (error: unknown) => void;
}

export class CoalescedReads<K, V> {
  #waiting = new Map<K, Waiter<V>[]>();
  #scheduled = false;
  readonly #defer: (flush: () => void) => void;

  constructor(private readonly options: CoalescedReadsOptions<K, V>) {
    this.#defer = options.defer ?? ((flush) => void setImmediate(flush));
  }

  /** The row of `key`, or null when there is none. */
  get(key: K): Promise<V | null> {
    return new Promise((resolve, reject) => {
      const waiters = this.#waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.#waiting.set(key, [{ resolve, reject }]);
      if (!this.#scheduled) {
        this.#scheduled = true;
        this.#defer(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const waiting = this.#waiting;
    this.#waiting = new Map();
    const keys = [...waiting.keys()];
    for (let from = 0; from < keys.length; from += this.options.maxKeys) {
      const chunk = keys.slice(from, from + this.options.maxKeys);
      const settle = (each: (waiter: Waiter<V>, key: K) => void) => {
        for (const key of chunk) for (const waiter of waiting.get(key)!) each(waiter, key);
      };
      this.options.read(chunk).then(
        (found) => settle((waiter, key) => waiter.resolve(found.get(key) ?? null)),
        (error: unknown) => settle((waiter) => waiter.reject(error)),
      );
    }
  }
}
