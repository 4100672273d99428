// Settings, for admins: dashboard accounts (add, role, disable, new password) and the audit log of
// sign-ins, re-checks, exports and changes. A helpdesk account is told it has no access here (the
// collector refuses these routes to it regardless).
import { useState } from 'preact/hooks';
import { AUDIT_ACTIONS, ROLES, USERNAME_PATTERN, type AccountInfo, type AuditRecord, type Role } from '../../../protocol/api.ts';
import { api, ApiError, Unauthorized } from '../api.ts';
import { Loaded, WhenExact } from '../components.tsx';
import { useApp, useResource } from '../context.ts';
import type { UiKey } from '../i18n/index.ts';
import { AlertsPanel } from './alerts.tsx';

export function Settings() {
  const { tr, role } = useApp();
  return (
    <main id="main" tabIndex={-1}>
      <h1>{tr('settings.title')}</h1>
      {role !== 'admin' ? (
        <p role="alert" data-settings="refused">
          {tr('settings.adminsOnly')}
        </p>
      ) : (
        <>
          <Accounts />
          <AlertsPanel />
          <AuditTrail />
        </>
      )}
    </main>
  );
}

type Outcome = { kind: 'password'; username: string; password: string } | { kind: 'error'; message: string } | null;

function Accounts() {
  const { tr, sessionEnded } = useApp();
  const { resource, reload } = useResource(api.accounts, []);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [username, setUsername] = useState('');
  const [newRole, setNewRole] = useState<Role>('helpdesk');

  const run = async (action: () => Promise<{ account: AccountInfo; password: string | null }>) => {
    try {
      const saved = await action();
      setOutcome(saved.password === null ? null : { kind: 'password', username: saved.account.username, password: saved.password });
      reload();
    } catch (error) {
      if (error instanceof Unauthorized) return sessionEnded();
      setOutcome({ kind: 'error', message: error instanceof ApiError ? error.message : tr('common.unreachable') });
    }
  };

  return (
    <section class="panel" aria-labelledby="accounts-title" data-accounts>
      <h2 id="accounts-title">{tr('settings.accounts')}</h2>
      <p class="muted">{tr('settings.accountsHint')}</p>
      {outcome?.kind === 'password' && (
        <p class="note password" role="status" data-new-password={outcome.username}>
          {tr('settings.passwordOnce', { user: outcome.username })} <code>{outcome.password}</code>
        </p>
      )}
      {outcome?.kind === 'error' && (
        <p class="error" role="alert">
          {outcome.message}
        </p>
      )}
      <Loaded resource={resource} retry={reload}>
        {({ accounts }) => (
          <div class="table-scroll">
            <table class="accounts">
              <thead>
                <tr>
                  <th scope="col">{tr('settings.username')}</th>
                  <th scope="col">{tr('settings.role')}</th>
                  <th scope="col">{tr('settings.state')}</th>
                  <th scope="col">
                    <span class="sr-only">{tr('settings.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {accounts.map((account) => (
                  <tr key={account.username} data-account={account.username}>
                    <th scope="row">{account.username}</th>
                    <td>
                      {account.builtIn ? (
                        tr(`role.${account.role}`)
                      ) : (
                        <select
                          name={`role-${account.username}`}
                          aria-label={tr('settings.roleOf', { user: account.username })}
                          value={account.role}
                          onChange={(e) => {
                            const role = ROLES.find((r) => r === e.currentTarget.value);
                            if (role) void run(() => api.changeAccount(account.username, { role }));
                          }}
                        >
                          {ROLES.map((r) => (
                            <option key={r} value={r}>
                              {tr(`role.${r}`)}
                            </option>
                          ))}
                        </select>
                      )}
                    </td>
                    <td>{account.builtIn ? tr('settings.builtIn') : tr(account.disabled ? 'settings.disabled' : 'settings.enabled')}</td>
                    <td class="actions">
                      {!account.builtIn && (
                        <div class="buttons">
                          <button type="button" onClick={() => void run(() => api.changeAccount(account.username, { disabled: !account.disabled }))}>
                            {tr(account.disabled ? 'settings.enable' : 'settings.disable')}
                          </button>
                          <button type="button" onClick={() => void run(() => api.changeAccount(account.username, { resetPassword: true }))}>
                            {tr('settings.newPassword')}
                          </button>
                        </div>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
      <form
        class="add-account"
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => api.createAccount(username.trim(), newRole)).then(() => setUsername(''));
        }}
      >
        <h3>{tr('settings.add')}</h3>
        <label>
          {tr('settings.username')}
          <input name="new-username" required maxLength={64} pattern={USERNAME_PATTERN.source} value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        </label>
        <label>
          {tr('settings.role')}
          <select name="new-role" value={newRole} onChange={(e) => setNewRole(ROLES.find((r) => r === e.currentTarget.value) ?? 'helpdesk')}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {tr(`role.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary">
          {tr('settings.addButton')}
        </button>
      </form>
    </section>
  );
}

const ACTION_TEXT: Readonly<Record<(typeof AUDIT_ACTIONS)[number], UiKey>> = {
  'sign-in': 'audit.sign-in',
  'sign-in-failed': 'audit.sign-in-failed',
  'sign-out': 'audit.sign-out',
  recheck: 'audit.recheck',
  export: 'audit.export',
  'account-create': 'audit.account-create',
  'account-change': 'audit.account-change',
  'tags-change': 'audit.tags-change',
  'wave-change': 'audit.wave-change',
  'webhook-change': 'audit.webhook-change',
  'webhook-test': 'audit.webhook-test',
  'device-revoke': 'audit.device-revoke',
  'device-allow': 'audit.device-allow',
};

function actionText(tr: (key: UiKey) => string, action: string): string {
  const key = (ACTION_TEXT as Record<string, UiKey | undefined>)[action];
  return key ? tr(key) : action;
}

function AuditTrail() {
  const { tr } = useApp();
  const { resource, reload } = useResource(api.audit, []);
  return (
    <section class="panel" aria-labelledby="audit-title" data-audit>
      <h2 id="audit-title">{tr('settings.audit')}</h2>
      <p class="muted">{tr('settings.auditHint')}</p>
      <button type="button" onClick={reload}>
        {tr('settings.refresh')}
      </button>
      <Loaded resource={resource} retry={reload}>
        {({ entries }) =>
          entries.length === 0 ? (
            <p class="muted">{tr('settings.auditEmpty')}</p>
          ) : (
            <div class="table-scroll">
              <table class="audit">
                <thead>
                  <tr>
                    <th scope="col">{tr('settings.auditAt')}</th>
                    <th scope="col">{tr('settings.username')}</th>
                    <th scope="col">{tr('settings.auditAction')}</th>
                    <th scope="col">{tr('settings.auditTarget')}</th>
                    <th scope="col">{tr('settings.auditAddress')}</th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((entry: AuditRecord, i) => (
                    <tr key={`${entry.at}-${i}`} data-action={entry.action}>
                      <td>
                        <WhenExact at={entry.at} />
                      </td>
                      <td>{entry.username}</td>
                      <td>{actionText((key) => tr(key), entry.action)}</td>
                      <td>{[entry.target, entry.detail].filter((v) => v !== null).join(' — ')}</td>
                      <td>{entry.address ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
    </section>
  );
}
