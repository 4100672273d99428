// Waiting in tests for what happens asynchronously (a log line written, a socket message, a
// watcher's poll, a row stored). One helper for every test: a passing test returns as soon as the
// condition holds, so the bound only decides how long a failing one takes; it is generous because it
// must hold on a machine that a parallel test run keeps busy.
export const WAIT_MS = 20_000;

type Falsy = false | null | undefined | 0 | '';

export interface WaitOptions {
  readonly timeoutMs?: number;
  /** Between polls; longer where one poll is expensive (reading many agents' logs). */
  readonly intervalMs?: number;
}

/** Polls `probe` until it returns a truthy value, and returns that value; fails naming `what` after the timeout. */
export async function until<T>(what: string, probe: () => T | Promise<T>, { timeoutMs = WAIT_MS, intervalMs = 20 }: WaitOptions = {}): Promise<Exclude<T, Falsy>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Exclude<T, Falsy>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Retries an assertion until it passes; after `timeoutMs` its last failure is thrown. */
export async function eventually(assertion: () => void | Promise<void>, timeoutMs = WAIT_MS, intervalMs = 50): Promise<void> {
  let failure: unknown = null;
  const passed = async (): Promise<boolean> => {
    try {
      await assertion();
      return true;
    } catch (error) {
      failure = error;
      return false;
    }
  };
  await until('the assertion to pass', passed, { timeoutMs, intervalMs }).catch(() => {
    throw failure;
  });
}
