// One user's page: their row (can they sign in today, held back by which layer, their key and whether
// Entra has it), then each of their PCs with what must be done there — the PC's failed checks and the
// tenant's blockers, each fix naming who acts and the guide step — most recently seen PC first.
import type { ComponentChildren } from 'preact';
import type { DeviceDetail, UserDetail } from '../../../protocol/api.ts';
import { fixActor } from '../../../protocol/checks.ts';
import { t } from '../../../protocol/i18n/index.ts';
import { withKeyChecks } from '../../../protocol/readiness.ts';
import type { Lang, Readiness } from '../../../protocol/report.ts';
import type { TenantOverall } from '../../../protocol/tenant.ts';
import { api } from '../api.ts';
import { Loaded, OnlineBadge, ReadinessBadge, When } from '../components.tsx';
import { useApp, useLive, useResource } from '../context.ts';
import { checkTitle, type UiKey } from '../i18n/index.ts';
import { formatHash } from '../route.ts';
import { fixIn } from './device.tsx';
import { HeldBy, KeySummary, Registered } from './users.tsx';

export function User({ user }: { user: string }) {
  const { tr } = useApp();
  const { resource, reload } = useResource(() => api.user(user), [user]);
  useLive((message) => {
    if (message.type === 'device' && resource.state === 'ready' && resource.data.devices.some((d) => d.device.deviceId === message.device.deviceId)) reload();
  });
  return (
    <main id="main" tabIndex={-1}>
      <p>
        <a href="#/users">← {tr('user.back')}</a>
      </p>
      <h1>{user}</h1>
      <p>
        <a href={formatHash({ view: 'instructions', target: { user }, lang: null })} data-instructions-link>
          {tr('instructions.forUser')}
        </a>
      </p>
      {resource.state === 'failed' && resource.status === 404 ? (
        <p role="alert">{tr('user.notFound')}</p>
      ) : (
        <Loaded resource={resource} retry={reload}>
          {(page) => <UserBody page={page} />}
        </Loaded>
      )}
    </main>
  );
}

function UserBody({ page }: { page: UserDetail }) {
  const { tr } = useApp();
  const facts: [UiKey, ComponentChildren][] = [
    ['users.col.verdict', <><ReadinessBadge readiness={page.user.verdict} /> <span class="muted">{tr('users.readyPcs', { ready: page.user.readyPcs, total: page.user.pcCount })}</span></>],
    ['users.col.heldBy', <HeldBy row={page.user} />],
    ['users.col.key', <KeySummary userKey={page.user.key} />],
    ['users.col.registered', <Registered row={page.user} />],
    ['users.col.lastSeen', <When at={page.user.lastSeen} />],
  ];
  return (
    <>
      <section class="panel">
        <dl class="facts" data-user-verdict={page.user.verdict}>
          {facts.map(([key, value]) => (
            <div key={key} data-field={key}>
              <dt>{tr(key)}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </section>
      {!page.tenantConnected && <p class="note" data-tenant="off">{tr('users.tenantOff')}</p>}
      <h2>{tr('user.pcs')}</h2>
      {page.devices.length < page.user.pcCount && <p class="muted">{tr('user.pcsCapped', { count: page.devices.length })}</p>}
      {page.devices.map((detail) => (
        <PcTodo key={detail.device.deviceId} detail={detail} />
      ))}
    </>
  );
}

/** The PC's one answer (its checks and the tenant together) as a badge. */
const COMBINED: Readonly<Record<TenantOverall, Readiness>> = { blocked: 'not-ready', unknown: 'unknown', 'ready-not-proven': 'ready', 'ready-proven': 'ready' };

interface Todo {
  readonly id: string;
  readonly source: 'pc' | 'tenant';
  readonly actor: string | null;
  readonly title: string;
  readonly fix: string | null;
}

/** What a PC needs, in the order to take it: the PC's own failed checks, then the tenant's blockers. */
function todos(lang: Lang, detail: DeviceDetail): Todo[] {
  const checks = detail.report ? withKeyChecks(detail.report.checks, detail.keyChecks) : [];
  const local: Todo[] = checks
    .filter((c) => c.status === 'fail')
    .map((c) => ({ id: c.id, source: 'pc', actor: c.actor ?? fixActor(c.remediationKey) ?? null, title: checkTitle(lang, c.id), fix: fixIn(lang, c) }));
  const tenant: Todo[] = (detail.tenant?.verdicts ?? [])
    .filter((v) => v.status === 'blocker')
    .map((v) => ({
      id: v.id,
      source: 'tenant',
      actor: v.actor,
      title: t(lang, v.textKey, v.params),
      // Tenant fixes already name their guide step.
      fix: v.fixKey === null ? null : t(lang, v.fixKey, v.params),
    }));
  return [...local, ...tenant];
}

function PcTodo({ detail }: { detail: DeviceDetail }) {
  const { lang, tr } = useApp();
  const { device, tenant } = detail;
  const items = todos(lang, detail);
  return (
    <section class="panel" data-pc={device.hostname} aria-label={device.hostname}>
      <h3>
        <a href={formatHash({ view: 'device', deviceId: device.deviceId })} title={tr('user.openPc')}>
          {device.hostname}
        </a>{' '}
        <ReadinessBadge readiness={tenant ? COMBINED[tenant.pc.overall] : device.readiness} /> <OnlineBadge online={device.online} lastSeen={device.lastSeen} />{' '}
        <span class="muted">
          <When at={device.lastSeen} />
        </span>
      </h3>
      {tenant && <p class="muted" data-tenant={tenant.overall}>{tr('user.tenant', { state: t(lang, `tenant.overall.${tenant.overall}`) })}</p>}
      {items.length === 0 ? (
        <p>{tr('user.nothing')}</p>
      ) : (
        <ol class="todo">
          {items.map((item) => (
            <li key={`${item.source}-${item.id}`} data-todo={item.id} data-source={item.source} data-actor={item.actor ?? undefined}>
              {item.actor !== null && <span class="badge actor">{t(lang, `actor.${item.actor}`)}</span>} <strong>{item.title}</strong>
              {item.fix !== null && <p class="next-fix">{item.fix}</p>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
