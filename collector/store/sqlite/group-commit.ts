// Group commit for the one SQLite connection: every write issued in the same event-loop turn (many
// agents' reports, enrollments, pings arriving together) runs in one transaction, so they share one
// fsync instead of paying one each. Each write runs in its own savepoint: one failing write is rolled
// back and rejected alone. Promises resolve only after the commit: an acknowledged write is on disk.
import type Database from 'better-sqlite3';

interface QueuedWrite {
  operation: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit {
  private queue: QueuedWrite[] = [];

  /** `beforeCommit` runs once per transaction, after its writes (work they share, done once). */
  constructor(private readonly db: Database.Database, private readonly beforeCommit: () => void = () => undefined) {}

  write<T>(operation: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ operation, resolve: resolve as (value: unknown) => void, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Commits what is queued now (the store's close() must not leave writes behind). */
  flush(): void {
    const writes = this.queue;
    if (writes.length === 0) return;
    this.queue = [];
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.db
        .transaction(() => {
          for (const write of writes) {
            try {
              outcomes.push({ ok: true, value: this.db.transaction(write.operation)() });
            } catch (error) {
              outcomes.push({ ok: false, error });
            }
          }
          this.beforeCommit();
        })
        .immediate();
    } catch (error) {
      for (const write of writes) write.reject(error);
      return;
    }
    writes.forEach((write, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }
}
