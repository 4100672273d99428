// Watches FIDO keys come and go: polls enumeration (cheap) every ~2 s and talks to a device only when
// it is new, when its last read failed, or when its facts are due a refresh (enrollment can happen
// while a key stays plugged in, e.g. in Windows Settings). `keys --watch` and the service mode use it.
import type { KeyFacts } from '../../protocol/report.ts';
import { HID_CAPTURE_SCHEMA, type DeviceCapture, type HidCapture } from './capture.ts';
import { keyFromDevice } from './keyinfo.ts';
import { captureDevice, isFidoDevice, type ScanOptions } from './scanner.ts';
import type { HidBackend } from './transport/types.ts';

export type KeyEvent =
  | { readonly type: 'plug'; readonly key: KeyFacts }
  | { readonly type: 'unplug'; readonly key: KeyFacts }
  | { readonly type: 'changed'; readonly before: KeyFacts; readonly after: KeyFacts };

export interface WatchOptions {
  readonly backend: HidBackend;
  readonly onEvent: (event: KeyEvent) => void;
  /** Enumeration failures, each poll's (the keys seen so far are kept for keys()). */
  readonly onError?: (error: Error) => void;
  /** The first successful enumeration after failures. */
  readonly onRecovered?: () => void;
  readonly intervalMs?: number;
  /** How often a present key's getInfo is read again; 0 turns refreshing off. */
  readonly refreshMs?: number;
  readonly scan?: ScanOptions;
}

export interface KeyWatcher {
  /** Polls once and resolves with the keys present now (no events for them); then polls on a timer. */
  start(): Promise<KeyFacts[]>;
  /** Stops polling; resolves once an in-flight poll has finished and no timer is left. */
  stop(): Promise<void>;
  keys(): KeyFacts[];
  /**
   * The raw capture of the keys present now, for a report or a support bundle. While enumeration
   * fails it says so (state "error"): a report must read "keys not scannable", never "no key".
   */
  capture(): HidCapture;
}

interface Known {
  device: DeviceCapture;
  key: KeyFacts;
  readAt: number;
}

const sameFacts = (a: KeyFacts, b: KeyFacts) => JSON.stringify(a) === JSON.stringify(b);

export function watchKeys(options: WatchOptions): KeyWatcher {
  const intervalMs = options.intervalMs ?? 2000;
  const refreshMs = options.refreshMs ?? 30_000;
  const known = new Map<string, Known>();
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<void> | null = null;
  let running = false;
  let capturedAt = new Date().toISOString();
  let failure: Error | null = null;

  async function read(info: Parameters<typeof captureDevice>[1]): Promise<Known> {
    const device = await captureDevice(options.backend, info, options.scan);
    return { device, key: keyFromDevice(device), readAt: Date.now() };
  }

  async function poll(emit: boolean): Promise<void> {
    let present;
    try {
      present = (await options.backend.enumerate()).filter(isFidoDevice);
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      capturedAt = new Date().toISOString();
      options.onError?.(failure);
      return;
    }
    if (failure) {
      failure = null;
      options.onRecovered?.();
    }
    capturedAt = new Date().toISOString();
    const paths = new Set(present.map((d) => d.path));
    for (const [path, entry] of known) {
      if (paths.has(path)) continue;
      known.delete(path);
      if (emit) options.onEvent({ type: 'unplug', key: entry.key });
    }
    for (const info of present) {
      const before = known.get(info.path);
      const due =
        !before ||
        before.key.access === 'error' ||
        (refreshMs > 0 && Date.now() - before.readAt >= refreshMs);
      if (!due) continue;
      const after = await read(info);
      known.set(info.path, after);
      if (!emit) continue;
      if (!before) options.onEvent({ type: 'plug', key: after.key });
      else if (!sameFacts(before.key, after.key)) options.onEvent({ type: 'changed', before: before.key, after: after.key });
    }
  }

  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => {
      timer = null;
      inFlight = poll(true).finally(() => {
        inFlight = null;
        schedule();
      });
    }, intervalMs);
  }

  return {
    async start() {
      if (running) return this.keys();
      running = true;
      inFlight = poll(false);
      await inFlight;
      inFlight = null;
      schedule();
      return this.keys();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      await inFlight;
    },
    keys: () => [...known.values()].map((entry) => entry.key),
    capture: () => ({
      schema: HID_CAPTURE_SCHEMA,
      capturedAt,
      backend: options.backend.name,
      ...(failure
        ? { state: 'error' as const, reason: failure.message, devices: [] }
        : { state: 'ok' as const, reason: null, devices: [...known.values()].map((entry) => entry.device) }),
    }),
  };
}
