// In service mode the key watcher owns the HID devices: its plug/unplug/changed events trigger a
// report, and full checks read its current capture instead of opening the keys a second time.
import { selectHidBackend } from '../fido/backend.ts';
import { watchKeys, type KeyWatcher } from '../fido/watch.ts';
import type { Log } from '../log.ts';
import { errorText } from '../../protocol/error-text.ts';
import { hidSource } from '../probes/hid.ts';
import type { SourceOptions } from '../report/engine.ts';

export interface WatchedKeys {
  /** The live source, reading keys from the watcher. */
  readonly source: SourceOptions;
  readonly subscribe: (onChange: () => void) => () => void;
  stop(): Promise<void>;
}

export async function watchLiveKeys(hidUdp: string | null, log: Log): Promise<WatchedKeys | null> {
  const listeners = new Set<() => void>();
  // Enumeration is polled every ~2 s: a lasting failure is logged when it starts or changes, not 40,000 times a day.
  let failing: string | null = null;
  let watcher: KeyWatcher;
  try {
    watcher = watchKeys({
      backend: selectHidBackend(hidUdp),
      onEvent: (event) => {
        log.info('key event', { type: event.type });
        for (const listener of listeners) listener();
      },
      onError: (error) => {
        if (error.message !== failing) log.warn('key enumeration failed', { error: error.message });
        failing = error.message;
      },
      onRecovered: () => {
        failing = null;
        log.info('key enumeration works again');
      },
    });
    await watcher.start();
  } catch (error) {
    // No HID at all (no driver, no native module): full checks report the HID source's own error.
    log.warn('key watcher unavailable; keys are scanned at each check', { error: errorText(error) });
    return null;
  }
  return {
    source: { kind: 'live', hidUdp, keys: () => hidSource(watcher.capture()) },
    subscribe: (onChange) => {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    stop: () => watcher.stop(),
  };
}
