// The shell: session (sign-in form until there is one), language, hash routing, live feed, header.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { SessionInfo } from '../../protocol/api.ts';
import type { Lang } from '../../protocol/report.ts';
import { api, Unauthorized } from './api.ts';
import { AppContext, type AppContextValue } from './context.ts';
import { formatClock } from './i18n/format.ts';
import { loadLang, saveLang, ui } from './i18n/index.ts';
import { LanguageSelect } from './components.tsx';
import { LiveFeed } from './live.ts';
import { formatHash, parseHash, type Route } from './route.ts';
import { Device } from './views/device.tsx';
import { Devices } from './views/devices.tsx';
import { Login } from './views/login.tsx';
import { Overview } from './views/overview.tsx';
import { Settings } from './views/settings.tsx';
import { Instructions } from './views/instructions.tsx';
import { User } from './views/user.tsx';
import { Users } from './views/users.tsx';

/** "3 minutes ago" texts are redrawn this often. */
const CLOCK_TICK_MS = 15_000;

type Session = { state: 'checking' } | { state: 'signed-out'; expired: boolean } | { state: 'signed-in'; info: SessionInfo };

export function App() {
  const [lang, setLang] = useState<Lang>(loadLang);
  const [session, setSession] = useState<Session>({ state: 'checking' });
  const [route, setRoute] = useState<Route>(() => parseHash(location.hash));
  const [now, setNow] = useState(() => Date.now());
  const [liveLostAt, setLiveLostAt] = useState<number | null>(null);
  const [demo, setDemo] = useState(false);
  const feed = useMemo(() => new LiveFeed(), []);

  useEffect(() => {
    const onHash = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = `${ui(lang, 'app.name')} — ${ui(lang, 'app.tagline')}`;
  }, [lang]);

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), CLOCK_TICK_MS);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    api.session().then(
      (info) => setSession({ state: 'signed-in', info }),
      () => setSession({ state: 'signed-out', expired: false }),
    );
  }, []);

  const signedIn = session.state === 'signed-in';
  useEffect(() => {
    if (!signedIn) return;
    // The first moment of the loss is kept: a reconnect that fails again does not move it.
    const unsubscribe = feed.onConnectedChange((up) => setLiveLostAt((lost) => (up ? null : (lost ?? Date.now()))));
    feed.start();
    api.summary().then(
      (summary) => setDemo(summary.demo),
      () => undefined, // The overview reports load failures; the banner simply stays off.
    );
    return () => {
      unsubscribe();
      feed.stop();
      setLiveLostAt(null);
    };
  }, [signedIn, feed]);

  // A new page (not a filter change within one) moves keyboard and screen-reader focus to its content.
  const page = route.view === 'device' ? `device:${route.deviceId}` : route.view === 'user' ? `user:${route.user}` : route.view;
  const firstPage = useRef(true);
  useEffect(() => {
    if (firstPage.current) {
      firstPage.current = false;
      return;
    }
    document.getElementById('main')?.focus();
  }, [page]);

  const sessionEnded = useCallback(() => setSession({ state: 'signed-out', expired: true }), []);
  const role = session.state === 'signed-in' ? session.info.role : 'helpdesk';
  const context: AppContextValue = useMemo(() => ({ lang, feed, now, sessionEnded, liveLostAt, role }), [lang, feed, now, sessionEnded, liveLostAt, role]);
  const tr = (key: Parameters<typeof ui>[1]) => ui(lang, key);

  const changeLang = (value: Lang) => {
    saveLang(value);
    setLang(value);
  };

  const signOut = async () => {
    try {
      await api.logout();
    } catch (error) {
      if (!(error instanceof Unauthorized)) console.warn('sign-out failed', error);
    }
    setSession({ state: 'signed-out', expired: false });
  };

  const languagePicker = (
    <label class="lang">
      <span>{tr('nav.language')}</span>
      <LanguageSelect name="lang" value={lang} onChange={changeLang} />
    </label>
  );

  return (
    <AppContext.Provider value={context}>
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault(); // "#main" is not a route: move focus instead of navigating
          document.getElementById('main')?.focus();
        }}
      >
        {tr('nav.skip')}
      </a>
      {session.state === 'checking' && <p class="muted center">{tr('common.loading')}</p>}
      {session.state === 'signed-out' && (
        <>
          <header class="top">
            <span class="brand">{tr('app.name')}</span>
            {languagePicker}
          </header>
          <Login expired={session.expired} onSignedIn={(info) => setSession({ state: 'signed-in', info })} />
        </>
      )}
      {session.state === 'signed-in' && (
        <>
          <header class="top">
            <a class="brand" href="#/">
              {tr('app.name')}
            </a>
            <nav aria-label={tr('nav.main')}>
              <a href={formatHash({ view: 'overview' })} aria-current={route.view === 'overview' ? 'page' : undefined}>
                {tr('nav.overview')}
              </a>
              <a href="#/devices" aria-current={route.view === 'devices' || route.view === 'device' ? 'page' : undefined}>
                {tr('nav.devices')}
              </a>
              {role === 'admin' && (
                <a href={formatHash({ view: 'settings' })} aria-current={route.view === 'settings' ? 'page' : undefined} data-nav="settings">
                  {tr('nav.settings')}
                </a>
              )}
              <a href="#/users" aria-current={route.view === 'users' || route.view === 'user' ? 'page' : undefined}>
                {tr('nav.users')}
              </a>
            </nav>
            <span class="spacer" />
            {languagePicker}
            <span class="muted user" data-role={session.info.role}>
              {ui(lang, 'nav.signedInAsRole', { user: session.info.username, role: ui(lang, `role.${session.info.role}`) })}
            </span>
            <button type="button" onClick={signOut}>
              {tr('nav.logout')}
            </button>
          </header>
          {demo && (
            <p class="banner demo" role="note" data-demo="true">
              {tr('demo.banner')}
            </p>
          )}
          {liveLostAt !== null && (
            <p class="banner live" role="status" data-live-lost>
              {ui(lang, 'live.offline', { time: formatClock(lang, new Date(liveLostAt).toISOString(), now) })}
            </p>
          )}
          {route.view === 'overview' && <Overview />}
          {route.view === 'devices' && <Devices query={route.query} />}
          {route.view === 'device' && <Device deviceId={route.deviceId} />}
          {route.view === 'settings' && <Settings />}
          {route.view === 'instructions' && <Instructions target={route.target} sheetLang={route.lang ?? lang} />}
          {route.view === 'users' && <Users query={route.query} />}
          {route.view === 'user' && <User user={route.user} />}
        </>
      )}
    </AppContext.Provider>
  );
}
