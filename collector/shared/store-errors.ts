// A failed store call is counted (keyready_store_errors_total, what an operator alerts on) and logged
// as one JSON line with the reason; every part of the collector reports it this one way.
import { errorText } from '../../protocol/error-text.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from './metrics.ts';

/** `fields` go into the log line; `event` defaults to store.error and may be overridden there. */
export function reportStoreError(metrics: Metrics, log: Logger, message: string, error: unknown, fields: Record<string, unknown> = {}): void {
  metrics.storeErrors.inc();
  log.error(message, { event: 'store.error', ...fields, reason: errorText(error) });
}
