// Admission control: a cap on open agent connections and on connections still authenticating
// (each costs a token lookup). Beyond either cap a newcomer is shed with a retry hint instead of
// queueing, so a reconnect storm degrades into delayed reconnects rather than an outage.

export interface AdmissionLimits {
  maxConnections: number;
  maxHandshakes: number;
}

export type Admission = { ok: true; release: () => void; authenticated: () => void } | { ok: false; retryAfterMs: number };

export class AdmissionControl {
  #connections = 0;
  #handshakes = 0;

  constructor(private readonly limits: AdmissionLimits) {}

  get connections(): number {
    return this.#connections;
  }

  get handshakes(): number {
    return this.#handshakes;
  }

  /**
   * Admits a connection in the handshake state. `authenticated()` moves it out of that state;
   * `release()` ends it (idempotent, whatever state it is in).
   */
  admit(): Admission {
    if (this.#connections >= this.limits.maxConnections) return { ok: false, retryAfterMs: this.#retryHint(30_000) };
    if (this.#handshakes >= this.limits.maxHandshakes) return { ok: false, retryAfterMs: this.#retryHint(5_000) };
    this.#connections += 1;
    this.#handshakes += 1;
    let handshaking = true;
    let open = true;
    return {
      ok: true,
      authenticated: () => {
        if (handshaking && open) {
          handshaking = false;
          this.#handshakes -= 1;
        }
      },
      release: () => {
        if (!open) return;
        open = false;
        this.#connections -= 1;
        if (handshaking) {
          handshaking = false;
          this.#handshakes -= 1;
        }
      },
    };
  }

  /** Spreads the shed agents' returns over a window instead of sending them all back at once. */
  #retryHint(windowMs: number): number {
    return Math.round(windowMs / 2 + Math.random() * windowMs);
  }
}
