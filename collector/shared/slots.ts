// A fixed number of slots for expensive work done before authentication (a password's scrypt): a
// request that finds none free is answered at once instead of queueing, so a flood cannot take the
// thread pool that static files and the store also need.
export class Slots {
  #busy = 0;

  constructor(readonly size: number) {}

  /** A release function (idempotent) when a slot was free; null when all are taken. */
  tryAcquire(): (() => void) | null {
    if (this.#busy >= this.size) return null;
    this.#busy += 1;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#busy -= 1;
    };
  }
}
