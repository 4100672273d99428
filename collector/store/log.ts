// The store's log when its opener passes none (tests, benchmarks): one JSON line per event on stderr,
// shaped like the collector's own log lines so both read the same way.
import type { StoreLog } from './types.ts';

export const STDERR_LOG: StoreLog = {
  error(message, fields) {
    process.stderr.write(`${JSON.stringify({ level: 'error', message, ...fields, timestamp: new Date().toISOString() })}\n`);
  },
};
