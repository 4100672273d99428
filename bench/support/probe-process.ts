// A probe of the dashboard (its API, its page) runs in a process of its own, as the admin's browser
// does: in the bench's own process every response would also wait behind what that process does
// meanwhile (reading the collectors' metrics, the agents' client's messages), which no admin's
// browser waits for. The parent starts it with a start message and stops it for its figures.
import { fork } from 'node:child_process';

type ToProbe<Start> = { type: 'start'; start: Start } | { type: 'stop' };
type FromProbe<Figures> = { type: 'started' } | { type: 'stopped'; figures: Figures } | { type: 'failed'; error: string };

/** What the child runs: calls `ready` once it is about to measure, and resolves with its figures once `stopped()` is true. */
export type Probe<Start, Figures> = (start: Start, ready: () => void, stopped: () => boolean) => Promise<Figures>;

/** A probe's process, kept between runs: forking one (tsx loading the probe) costs about half a second. */
export interface ProbeProcess<Start, Figures> {
  /** Starts a run of the probe; resolves once it measures. */
  run(start: Start): Promise<{ stop(): Promise<Figures> }>;
  /** Ends the process (after the last run's stop). */
  close(): void;
}

/** Forks `script` with `flag` (which must call serveProbe with the same flag). */
export function forkProbe<Start, Figures>(script: string, flag: string): ProbeProcess<Start, Figures> {
  const child = fork(script, [flag], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (): Promise<FromProbe<Figures>> =>
    new Promise((done) => {
      const onExit = (code: number | null) => done({ type: 'failed', error: `${flag} exited (${code})` });
      child.once('exit', onExit);
      child.once('message', (message: FromProbe<Figures>) => {
        child.off('exit', onExit);
        done(message);
      });
    });
  const expect = async <T extends FromProbe<Figures>['type']>(type: T): Promise<Extract<FromProbe<Figures>, { type: T }>> => {
    const message = await next();
    if (message.type !== type) {
      child.kill();
      throw new Error(message.type === 'failed' ? `${flag}: ${message.error}` : `${flag}: expected ${type}, got ${message.type}`);
    }
    return message as Extract<FromProbe<Figures>, { type: T }>;
  };
  return {
    async run(start) {
      const started = expect('started');
      child.send({ type: 'start', start } satisfies ToProbe<Start>);
      await started;
      return {
        async stop() {
          const stopped = expect('stopped');
          child.send({ type: 'stop' } satisfies ToProbe<Start>);
          return (await stopped).figures;
        },
      };
    },
    close() {
      if (child.connected) child.disconnect();
    },
  };
}

/** Forks a probe for one run, its process ended by the run's stop. */
export async function startProbeProcess<Start, Figures>(script: string, flag: string, start: Start): Promise<{ stop(): Promise<Figures> }> {
  const probe = forkProbe<Start, Figures>(script, flag);
  const running = await probe.run(start);
  return {
    async stop() {
      try {
        return await running.stop();
      } finally {
        probe.close();
      }
    },
  };
}

function failed(error: unknown): FromProbe<never> {
  return { type: 'failed', error: error instanceof Error ? error.message : String(error) };
}

/** In the child forked with `flag`: runs `probe` from each start of the parent until it says stop. */
export function serveProbe<Start, Figures>(flag: string, probe: Probe<Start, Figures>): void {
  if (!process.send || !process.argv.includes(flag)) return;
  let stopping = false;
  let running: Promise<Figures> | null = null;
  const reply = (message: FromProbe<Figures>) => process.send!(message);
  // The bench is done with this process, or gone (it failed, or was stopped): nothing is left to report to.
  process.once('disconnect', () => process.exit(0));
  process.on('message', (message: ToProbe<Start>) => {
    if (message.type === 'start') {
      stopping = false;
      running = probe(message.start, () => reply({ type: 'started' }), () => stopping);
      // A run that fails says so now (the parent may be waiting for its start) and again when stopped.
      running.catch((error: unknown) => reply(failed(error)));
      return;
    }
    stopping = true;
    running?.then((figures) => reply({ type: 'stopped', figures }), (error: unknown) => reply(failed(error)));
  });
}
