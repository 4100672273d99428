// When the service reports: on start, on change (key events from the watcher; a cheap periodic
// re-probe of policy, join and build), on a jittered interval, and on the collector's recheck. An
// unchanged state is not queued again before the collector's resend interval: liveness comes from
// the connection, not from repeated reports.
import type { Report } from '../../protocol/report.ts';
import type { Random } from '../link/backoff.ts';
import type { Log } from '../log.ts';
import { reportFingerprint } from './fingerprint.ts';
import { errorText } from '../../protocol/error-text.ts';

export type Reason = 'start' | 'change' | 'interval' | 'recheck';

export interface StateSource {
  /** Every probe and check: a full report. */
  check(): Promise<Report>;
  /** The cheap re-probe (registry, device state, OS build), as a fingerprint of those facts. */
  quickFingerprint(): Promise<string>;
}

export interface Sent {
  readonly fingerprint: string;
  readonly at: number;
}

/** Until the collector says otherwise (welcome), an unchanged state is re-sent at most this often. */
export const DEFAULT_RESEND_MS = 6 * 3_600_000;
/** Recheck requests waiting for a check, at most (each is answered by its own report). */
const MAX_PENDING_RECHECKS = 8;

/** Whether a report should be queued: always on start and recheck; otherwise only if changed or due. */
export function shouldSend(reason: Reason, fingerprint: string, last: Sent | null, now: number, resendIntervalMs: number): boolean {
  if (reason === 'start' || reason === 'recheck' || !last) return true;
  return last.fingerprint !== fingerprint || now - last.at >= resendIntervalMs;
}

/** The next full-check delay: the interval jittered ±10 % so a fleet started together drifts apart. */
export function jitteredInterval(intervalMs: number, random: Random): number {
  return Math.round(intervalMs * (0.9 + 0.2 * random()));
}

export interface SchedulerOptions {
  readonly source: StateSource;
  /** Queues a report durably (the outbox) and wakes the link; returns its sequence number (null: dropped); throws when the disk refuses it. */
  readonly enqueue: (report: Report, requestId: string | undefined) => number | null;
  readonly fullCheckMs: number;
  readonly reprobeMs: number;
  readonly log: Log;
  readonly random?: Random;
  readonly now?: () => number;
}

interface Job {
  readonly reason: Reason;
  readonly requestId?: string;
  /** Already checked (the service's first check, made before anything else starts). */
  readonly report?: Report;
}

export class Scheduler {
  private readonly random: Random;
  private readonly now: () => number;
  private resendIntervalMs = DEFAULT_RESEND_MS;
  private last: Sent | null = null;
  private quick: string | null = null;
  private readonly queue: Job[] = [];
  private running: Promise<void> | null = null;
  private fullTimer: NodeJS.Timeout | null = null;
  private reprobeTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private reprobing = false;
  /** A check whose report could not be queued (a full disk): tried again at each re-probe until it is. */
  private unqueued: Job | null = null;

  constructor(private readonly options: SchedulerOptions) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /** Reports now (`first` when the caller already checked), then keeps watching. */
  start(first?: Report): Promise<void> {
    this.scheduleFull();
    this.reprobeTimer = setInterval(() => void this.reprobe(), this.options.reprobeMs);
    return this.request(first ? { reason: 'start', report: first } : { reason: 'start' });
  }

  /** The collector's liveness needs (from its welcome). */
  setResendInterval(ms: number): void {
    this.resendIntervalMs = ms;
  }

  /** A key was plugged, unplugged or changed. */
  changed(): Promise<void> {
    return this.request({ reason: 'change' });
  }

  recheck(requestId: string): Promise<void> {
    if (this.queue.filter((job) => job.reason === 'recheck').length >= MAX_PENDING_RECHECKS) {
      this.options.log.warn('too many rechecks waiting; ignoring one', { requestId });
      return this.running ?? Promise.resolve();
    }
    return this.request({ reason: 'recheck', requestId });
  }

  /** Stops the timers and waits for a check in progress to be queued. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.fullTimer) clearTimeout(this.fullTimer);
    if (this.reprobeTimer) clearInterval(this.reprobeTimer);
    this.queue.length = 0;
    await this.running;
  }

  private scheduleFull(): void {
    this.fullTimer = setTimeout(() => {
      this.scheduleFull();
      void this.request({ reason: 'interval' });
    }, jitteredInterval(this.options.fullCheckMs, this.random));
  }

  private async reprobe(): Promise<void> {
    // A slow re-probe (a busy PC) must not pile up behind the timer.
    if (this.stopped || this.running || this.reprobing) return;
    this.reprobing = true;
    try {
      if (this.unqueued) await this.request(this.unqueued);
      const fingerprint = await this.options.source.quickFingerprint();
      const changed = this.quick !== null && fingerprint !== this.quick;
      this.quick = fingerprint;
      if (changed) {
        this.options.log.info('policy, join or build changed; checking');
        await this.request({ reason: 'change' });
      }
    } catch (error) {
      this.options.log.warn('re-probe failed', { error: errorText(error) });
    } finally {
      this.reprobing = false;
    }
  }

  /** Jobs run one at a time, in order; a change already waiting absorbs another change. */
  private request(job: Job): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const duplicate = job.reason !== 'recheck' && this.queue.some((waiting) => waiting.reason === job.reason);
    if (!duplicate) this.queue.push(job);
    if (!this.running) {
      this.running = this.drain().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  private async drain(): Promise<void> {
    for (let job = this.queue.shift(); job; job = this.queue.shift()) await this.run(job);
  }

  private async run(job: Job): Promise<void> {
    const { source, enqueue, log } = this.options;
    let report: Report;
    try {
      // The quick baseline is taken before the check, so a change landing during it is seen next time.
      this.quick = await source.quickFingerprint().catch(() => this.quick);
      report = job.report ?? (await source.check());
    } catch (error) {
      log.error('check failed', { reason: job.reason, error: errorText(error) });
      return;
    }
    const fingerprint = reportFingerprint(report);
    const now = this.now();
    if (!shouldSend(job.reason, fingerprint, this.last, now, this.resendIntervalMs)) {
      log.debug('state unchanged; not re-sent', { reason: job.reason });
      return;
    }
    let seq: number | null;
    try {
      seq = enqueue(report, job.requestId);
    } catch (error) {
      // `last` stays as it was, so the retry is judged against what was really queued.
      if (this.unqueued) log.debug('report still not queued', { reason: job.reason, error: errorText(error) });
      else log.error('report not queued; trying again at each re-probe', { reason: job.reason, error: errorText(error) });
      this.unqueued = { reason: job.reason, ...(job.requestId ? { requestId: job.requestId } : {}) };
      return;
    }
    if (this.unqueued) log.info('queueing reports again');
    this.unqueued = null;
    this.last = { fingerprint, at: now };
    log.info('report queued', { seq, reason: job.reason, readiness: report.readiness, requestId: job.requestId });
  }
}
