// A background job run again a fixed time after each run ends (never two at once); stop() waits for a
// run in progress, so a collector shuts down without cutting a store write in half.
export class Loop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly ms: number, private readonly work: () => Promise<void>, private readonly onError: (error: unknown) => void) {}

  start(): void {
    const run = () => {
      this.running = this.work().catch(this.onError).finally(() => {
        if (this.timer !== null) this.timer = setTimeout(run, this.ms);
      });
    };
    this.timer = setTimeout(run, 0);
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
