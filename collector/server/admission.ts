// Admission control, in two pools. Connections still authenticating (pre-auth: no message yet, or an
// enroll/hello being checked) have their own budget, globally and per source address; authenticated
// agents have theirs (--max-connections), which strangers can never occupy. When a pre-auth budget is
// full, the oldest socket that has not said anything yet is evicted for the newcomer: a real agent
// sends its hello the moment its socket opens, so idle sockets opened by someone else cannot lock it
// out, they only churn each other. Only when every pre-auth socket is busy being checked is a
// newcomer shed, with a retry hint, so a reconnect storm degrades into delayed reconnects.

export interface AdmissionLimits {
  /** Authenticated agent connections at most. */
  maxConnections: number;
  /** Connections still authenticating at most (each may cost a token lookup). */
  maxHandshakes: number;
  /** Connections still authenticating from one source address at most. */
  maxHandshakesPerAddress: number;
}

export interface AdmissionTicket {
  /** The first message arrived: the connection is no longer an idle one that may be evicted. */
  spoke(): void;
  /** Moves the connection to the authenticated pool; false (and nothing changed) when that pool is full. */
  authenticated(): boolean;
  /** Ends it (idempotent, whatever state it is in). */
  release(): void;
}

export type Admission = { ok: true; ticket: AdmissionTicket } | { ok: false; reason: 'overloaded' | 'address-busy'; retryAfterMs: number };

interface Pending {
  address: string;
  silent: boolean;
  evict: () => void;
}

export class AdmissionControl {
  #authenticated = 0;
  /** Pre-auth entries that spoke (being checked): the ones no newcomer can evict. */
  #busy = 0;
  /** Insertion order is age order: the first silent entry is the oldest idle socket. */
  readonly #pending = new Set<Pending>();
  readonly #byAddress = new Map<string, Set<Pending>>();

  /** `roomMade`: a pre-auth entry left (authenticated or closed), so `room` may have grown. */
  constructor(
    private readonly limits: AdmissionLimits,
    private readonly roomMade: () => void = () => {},
  ) {}

  get connections(): number {
    return this.#authenticated + this.#pending.size;
  }

  get handshakes(): number {
    return this.#pending.size;
  }

  /** How many newcomers the pre-auth pool would take now, counting idle ones it would evict as room. */
  get room(): number {
    return this.limits.maxHandshakes - this.#busy;
  }

  /**
   * Admits a connection from `address` into the pre-auth pool; `evict` must close it at once when it
   * is chosen to make room (it has been released by then).
   */
  admit(address: string, evict: () => void): Admission {
    if (this.#authenticated >= this.limits.maxConnections) return { ok: false, reason: 'overloaded', retryAfterMs: this.#retryHint(30_000) };
    const fromAddress = this.#byAddress.get(address);
    if (fromAddress && fromAddress.size >= this.limits.maxHandshakesPerAddress && !this.#evictOldestSilent(fromAddress)) {
      return { ok: false, reason: 'address-busy', retryAfterMs: this.#retryHint(5_000) };
    }
    if (this.#pending.size >= this.limits.maxHandshakes && !this.#evictOldestSilent(this.#pending)) {
      return { ok: false, reason: 'overloaded', retryAfterMs: this.#retryHint(5_000) };
    }
    const entry: Pending = { address, silent: true, evict };
    this.#pending.add(entry);
    const set = this.#byAddress.get(address) ?? new Set<Pending>();
    this.#byAddress.set(address, set.add(entry));
    let state: 'pending' | 'authenticated' | 'released' = 'pending';
    return {
      ok: true,
      ticket: {
        spoke: () => {
          if (state === 'pending' && entry.silent) this.#busy += 1;
          entry.silent = false;
        },
        authenticated: () => {
          if (state === 'authenticated') return true;
          if (state !== 'pending' || this.#authenticated >= this.limits.maxConnections) return false;
          this.#forget(entry);
          state = 'authenticated';
          this.#authenticated += 1;
          return true;
        },
        release: () => {
          if (state === 'pending') this.#forget(entry);
          if (state === 'authenticated') this.#authenticated -= 1;
          state = 'released';
        },
      },
    };
  }

  #forget(entry: Pending): void {
    if (!this.#pending.delete(entry)) return;
    if (!entry.silent) this.#busy -= 1;
    const set = this.#byAddress.get(entry.address);
    set?.delete(entry);
    if (set?.size === 0) this.#byAddress.delete(entry.address);
    this.roomMade();
  }

  /** Evicts the oldest entry of `pool` that never spoke; false when every one is busy. */
  #evictOldestSilent(pool: ReadonlySet<Pending>): boolean {
    for (const entry of pool) {
      if (!entry.silent) continue;
      this.#forget(entry);
      entry.evict();
      return true;
    }
    return false;
  }

  /** Spreads the shed agents' returns over a window instead of sending them all back at once. */
  #retryHint(windowMs: number): number {
    return Math.round(windowMs / 2 + Math.random() * windowMs);
  }
}
