// The live socket (/api/live): pushes device changes, summary changes and recheck progress. It
// reconnects with capped, jittered backoff; after a gap, listeners get `resync` because events
// sent while the socket was down are lost and every view must refetch what it shows.
import { LiveEvent } from '../../protocol/api.ts';

export type LiveMessage = LiveEvent | { type: 'resync' };
export type LiveListener = (message: LiveMessage) => void;

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;

export class LiveFeed {
  private socket: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private delay = FIRST_DELAY_MS;
  private stopped = true;
  private hadConnection = false;
  private readonly listeners = new Set<LiveListener>();
  private readonly stateListeners = new Set<(connected: boolean) => void>();

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.close(1000);
    this.socket = null;
    this.hadConnection = false;
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onConnectedChange(listener: (connected: boolean) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private connect(): void {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${scheme}//${location.host}/api/live`);
    this.socket = socket;
    socket.onopen = () => {
      this.delay = FIRST_DELAY_MS;
      for (const listener of this.stateListeners) listener(true);
      if (this.hadConnection) this.emit({ type: 'resync' });
      this.hadConnection = true;
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        return; // Not ours to interpret; the views stay correct through their next fetch.
      }
      const parsed = LiveEvent.safeParse(data);
      if (parsed.success) this.emit(parsed.data);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      for (const listener of this.stateListeners) listener(false);
      if (this.stopped) return;
      const wait = this.delay * (0.5 + Math.random() / 2);
      this.delay = Math.min(this.delay * 2, MAX_DELAY_MS);
      this.timer = setTimeout(() => {
        this.timer = null;
        if (!this.stopped) this.connect();
      }, wait);
    };
  }

  private emit(message: LiveMessage): void {
    for (const listener of this.listeners) listener(message);
  }
}

/**
 * Runs `task` at most once per `waitMs`, trailing: a burst of live events becomes one refetch that
 * starts within `waitMs` of the first event (the 2 s freshness budget leaves room for the request).
 */
export function coalesce(task: () => void, waitMs: number): { trigger: () => void; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return {
    trigger: () => {
      timer ??= setTimeout(() => {
        timer = null;
        task();
      }, waitMs);
    },
    cancel: () => {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
