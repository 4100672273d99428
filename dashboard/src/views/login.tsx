// The sign-in form: the collector's admin credentials, answered with a session cookie.
import { useState } from 'preact/hooks';
import type { SessionInfo } from '../../../protocol/api.ts';
import { api, ApiError, Unauthorized } from '../api.ts';
import { useApp } from '../context.ts';

export function Login({ expired, onSignedIn }: { expired: boolean; onSignedIn: (session: SessionInfo) => void }) {
  const { tr } = useApp();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.login(username, password));
    } catch (failure) {
      setPassword('');
      if (failure instanceof Unauthorized || (failure instanceof ApiError && failure.status === 403)) setError(tr('login.failed'));
      else setError(failure instanceof ApiError ? failure.message : tr('common.unreachable'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login" id="main" tabIndex={-1}>
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">{tr('login.title')}</h1>
        <p class="muted">{tr('login.intro')}</p>
        {expired && !error && <p role="status">{tr('login.expired')}</p>}
        <label>
          {tr('login.username')}
          <input name="username" autoComplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        </label>
        <label>
          {tr('login.password')}
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? tr('login.busy') : tr('login.submit')}
        </button>
      </form>
    </main>
  );
}
