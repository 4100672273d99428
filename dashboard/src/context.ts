// What every view shares: the viewer's language, the live feed, a clock for "3 minutes ago", and the
// one way to say "the session is gone" (any 401 sends the viewer back to the sign-in form).
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { Role } from '../../protocol/api.ts';
import type { Lang, TextParams } from '../../protocol/report.ts';
import { ApiError, Unauthorized } from './api.ts';
import { ui, type UiKey } from './i18n/index.ts';
import type { LiveFeed, LiveListener } from './live.ts';
import { errorText } from '../../protocol/error-text.ts';

export interface AppContextValue {
  lang: Lang;
  feed: LiveFeed;
  now: number;
  sessionEnded: () => void;
  /**
   * When the live connection to the collector was lost (epoch ms), null while it is up. Meanwhile
   * nothing on screen can tell whether a PC is still online: the collector itself may be down.
   */
  liveLostAt: number | null;
  /** The signed-in account's role: what the page offers (the collector enforces it regardless). */
  role: Role;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue & { tr: (key: UiKey, params?: TextParams) => string } {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside <AppContext.Provider>');
  return { ...value, tr: (key, params) => ui(value.lang, key, params) };
}

export function useLive(listener: LiveListener): void {
  const { feed } = useApp();
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => feed.subscribe((message) => latest.current(message)), [feed]);
}

export type Resource<T> =
  | { state: 'loading' }
  | { state: 'failed'; status: number | null; message: string }
  | { state: 'ready'; data: T };

/**
 * Loads data for a view; `reload` refetches in place (the old data stays on screen meanwhile, so
 * live refreshes do not flicker). A 401 ends the session instead of showing an error.
 */
export function useResource<T>(load: () => Promise<T>, deps: readonly unknown[]) {
  const { sessionEnded } = useApp();
  const [resource, setResource] = useState<Resource<T>>({ state: 'loading' });
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(() => {
    const mine = ++generation.current;
    loadRef.current().then(
      (data) => {
        if (mine === generation.current) setResource({ state: 'ready', data });
      },
      (error: unknown) => {
        if (mine !== generation.current) return;
        if (error instanceof Unauthorized) return sessionEnded();
        setResource({
          state: 'failed',
          status: error instanceof ApiError ? error.status : null,
          message: errorText(error),
        });
      },
    );
  }, [sessionEnded]);

  // The caller names what the load depends on (`deps`), as with useEffect itself.
  useEffect(() => {
    setResource({ state: 'loading' });
    reload();
    return () => {
      generation.current++;
    };
  }, deps);

  const update = useCallback((change: (data: T) => T) => {
    setResource((current) => (current.state === 'ready' ? { state: 'ready', data: change(current.data) } : current));
  }, []);

  return { resource, reload, update };
}
