// Reports that arrive on their own (datagrams, a simulated device) wait here until the channel reads
// them; a read waits at most its timeout. Shared by the UDP transport and the test authenticators.

export class ReportQueue {
  private readonly queue: Uint8Array[] = [];
  private waiter: ((report: Uint8Array | null) => void) | null = null;

  /** Bounded so a flooding peer cannot grow memory without limit; extra reports are dropped. */
  constructor(private readonly limit = 1024) {}

  push(report: Uint8Array): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = null;
      waiter(report);
    } else if (this.queue.length < this.limit) {
      this.queue.push(report);
    }
  }

  read(timeoutMs: number): Promise<Uint8Array | null> {
    const next = this.queue.shift();
    if (next) return Promise.resolve(next);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve(null);
      }, timeoutMs);
      this.waiter = (report) => {
        clearTimeout(timer);
        resolve(report);
      };
    });
  }

  /** Releases a pending read with null. */
  close(): void {
    this.waiter?.(null);
    this.waiter = null;
  }
}
