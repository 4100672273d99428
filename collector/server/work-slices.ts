// Agent work in slices, so the dashboard is answered between them. Node serves every socket that
// became ready in one event-loop turn, and a request is read only in a turn's poll phase. When the
// agents' frames were handled where they were read (parsed, validated, handed to the store), a
// reconnect storm or full-speed ingest made turns of 50-250 ms, and an admin's request read in the
// next turn waited for all of it (bench/README.md, "Agent work in slices"). Queued here instead, the
// work runs after the poll phase (setImmediate) for about `budgetMs` a turn; what is left waits until
// the next poll phase has read, and the HTTP server answered, whatever arrived meanwhile.
// First in, first out: a connection's frames keep their order, and a deadline queued after them is
// judged after them.

export interface WorkSlicesOptions {
  /** How long one slice may run before the rest waits for the next turn (a task is never cut). */
  budgetMs: number;
  now?: () => number;
  /** Runs the next slice after this turn's input was read (setImmediate; a test may turn by hand). */
  defer?: (slice: () => void) => void;
}

export class WorkSlices {
  #tasks: (() => void)[] = [];
  /** Index of the next task: shifting a long array one task at a time would copy it each time. */
  #next = 0;
  #scheduled = false;
  readonly #now: () => number;
  readonly #defer: (slice: () => void) => void;

  constructor(private readonly options: WorkSlicesOptions) {
    this.#now = options.now ?? (() => performance.now());
    this.#defer = options.defer ?? ((slice) => void setImmediate(slice));
  }

  /** Tasks waiting for a slice. */
  get waiting(): number {
    return this.#tasks.length - this.#next;
  }

  push(task: () => void): void {
    this.#tasks.push(task);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.waiting === 0) return;
    this.#scheduled = true;
    this.#defer(() => this.#slice());
  }

  #slice(): void {
    // Still `scheduled` while it runs: tasks pushed meanwhile join this slice or the next one.
    const end = this.#now() + this.options.budgetMs;
    try {
      do {
        const task = this.#tasks[this.#next]!;
        this.#next += 1;
        task();
      } while (this.waiting > 0 && this.#now() < end);
    } finally {
      this.#scheduled = false;
      if (this.waiting === 0) {
        this.#tasks = [];
        this.#next = 0;
      } else if (this.#next > 1024 && this.#next * 2 > this.#tasks.length) {
        this.#tasks = this.#tasks.slice(this.#next);
        this.#next = 0;
      }
      // A task that threw leaves the others queued, not stranded.
      this.#schedule();
    }
  }
}
