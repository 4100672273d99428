// The service mode's wiring: outbox, collector link and scheduler around a state source, until
// SIGINT/SIGTERM (a Windows service stop arrives as one of those through the service wrapper).
import { join } from 'node:path';
import type { Report } from '../../protocol/report.ts';
import type { AgentConfig } from '../config.ts';
import { CollectorLink, type AgentIdentity } from '../link/client.ts';
import { Outbox } from '../link/outbox.ts';
import type { CertificatePin } from '../link/tls.ts';
import type { Log } from '../log.ts';
import { Scheduler, type StateSource } from './scheduler.ts';

export interface ServiceOptions {
  readonly config: AgentConfig;
  readonly dataDir: string;
  readonly agentVersion: string;
  readonly source: StateSource;
  readonly ca?: Buffer;
  readonly pin?: CertificatePin;
  readonly log: Log;
  readonly secrets: Set<string>;
  /** Subscribes to key plug/unplug/enrollment changes; returns the unsubscribe. */
  readonly watchKeys?: (onChange: () => void) => () => void;
  /** Resolves when the service should stop. */
  readonly stopSignal: Promise<string>;
}

export async function runService(options: ServiceOptions): Promise<void> {
  const { config, dataDir, log } = options;
  const outbox = Outbox.open(join(dataDir, 'outbox'), config.outbox, log);
  let latest: Report | null = null;
  const source: StateSource = {
    check: async () => (latest = await options.source.check()),
    quickFingerprint: () => options.source.quickFingerprint(),
  };
  const identity = (): AgentIdentity => ({
    hostname: latest?.device.hostname ?? 'unknown',
    hardware: {
      uuid: latest?.device.uuid ?? null,
      serial: latest?.device.serial ?? null,
      manufacturer: latest?.device.manufacturer ?? null,
      model: latest?.device.model ?? null,
    },
    agentVersion: options.agentVersion,
    tags: config.tags,
  });

  let scheduler: Scheduler | null = null;
  const link = new CollectorLink({
    url: config.collector,
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.pin ? { pin: options.pin } : {}),
    ...(config.enrollSecret ? { enrollSecret: config.enrollSecret } : {}),
    dataDir,
    identity,
    outbox,
    backoff: config.reconnect,
    window: config.drain.window,
    ratePerSecond: config.drain.ratePerSecond,
    log,
    secrets: options.secrets,
    onWelcome: (welcome) => scheduler?.setResendInterval(welcome.resendIntervalMs),
    onRecheck: (requestId) => void scheduler?.recheck(requestId),
  });
  scheduler = new Scheduler({
    source,
    enqueue: (report, requestId) => {
      const seq = outbox.append(report, requestId);
      link.notify();
      return seq;
    },
    fullCheckMs: config.intervals.fullCheckMs,
    reprobeMs: config.intervals.reprobeMs,
    log,
  });

  log.info('agent service starting', { collector: config.collector, dataDir, pending: outbox.pending().length, dropped: outbox.dropped });
  // The first check runs before anything connects: it gives the hardware identity enrollment needs,
  // and a source that cannot be read at all (a missing replay file) stops the command with its error.
  await scheduler.start(await source.check());
  link.start();
  const unwatch = options.watchKeys?.(() => void scheduler.changed());

  const signal = await options.stopSignal;
  log.info('agent service stopping', { signal });
  unwatch?.();
  await scheduler.stop();
  await link.stop();
  log.info('agent service stopped', { pending: outbox.pending().length });
}

/** Resolves on the first stop signal; Windows service wrappers send Ctrl+C (SIGINT) or Ctrl+Break (SIGBREAK). */
export function stopSignal(): Promise<string> {
  const signals: NodeJS.Signals[] = process.platform === 'win32' ? ['SIGINT', 'SIGTERM', 'SIGBREAK'] : ['SIGINT', 'SIGTERM'];
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      for (const s of signals) process.off(s, handler);
      resolve(signal);
    };
    for (const s of signals) process.on(s, handler);
  });
}
