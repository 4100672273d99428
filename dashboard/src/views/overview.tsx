// The rollout lead's morning view: how many PCs are ready, the trend, what blocks the rest, and
// which keys are out there. Every number links to the PCs behind it.
import { countKey, TENANT_LEVEL_LAYER, UserQuery, type Summary, type TenantOverview } from '../../../protocol/api.ts';
import { TENANT_VERDICT_LEVEL } from '../../../protocol/tenant.ts';
import type { Lang } from '../../../protocol/report.ts';
import { api } from '../api.ts';
import { Bar, TrendChart } from '../charts.tsx';
import { Loaded } from '../components.tsx';
import { useApp, useLive, useResource } from '../context.ts';
import { checkTitle, pcs, type UiKey } from '../i18n/index.ts';
import { formatClock, formatDateTime, formatNumber } from '../i18n/format.ts';
import { coalesce } from '../live.ts';
import { devicesHash, formatHash } from '../route.ts';
import { AddPcs } from './add-pcs.tsx';
import { GroupsPanel } from './groups.tsx';
import { WavesPanel } from './waves.tsx';
import { useEffect, useMemo } from 'preact/hooks';
import { t } from '../../../protocol/i18n/index.ts';
import { LAYER_NAMES } from '../../../protocol/readiness.ts';
import { READINESS } from '../../../protocol/report.ts';

/** Live refetches of the summary happen at most this often. */
const SUMMARY_REFRESH_MS = 500;

export function Overview() {
  const { tr } = useApp();
  const { resource, reload } = useResource(api.summary, []);
  const refresh = useMemo(() => coalesce(reload, SUMMARY_REFRESH_MS), [reload]);
  useEffect(() => refresh.cancel, [refresh]);
  useLive(() => refresh.trigger());

  return (
    <main id="main" tabIndex={-1}>
      <h1>{tr('overview.title')}</h1>
      <Loaded resource={resource} retry={reload}>
        {(summary) => (summary.total === 0 ? <AddPcs /> : <OverviewBody summary={summary} />)}
      </Loaded>
    </main>
  );
}

interface BlockingReason {
  readonly id: string;
  readonly count: number;
  readonly title: string;
  readonly href: string;
  readonly tenant: boolean;
  readonly data: Record<string, string>;
}

/**
 * The PC's failed checks and, when Microsoft Entra is connected, the tenant's blockers, in one ranking
 * (PCs per reason). A tenant reason links to the users it holds back, by the layer it belongs to.
 */
function blockingReasons(lang: Lang, summary: Summary): BlockingReason[] {
  const local = summary.blocking.map((b) => ({ id: b.id, count: b.count, title: checkTitle(lang, b.id), href: devicesHash({ check: b.id }), tenant: false, data: { 'data-check': b.id } }));
  const tenant = (summary.tenant?.blocking ?? []).map((b) => {
    const layer = TENANT_LEVEL_LAYER[TENANT_VERDICT_LEVEL[b.id]];
    const query = UserQuery.parse({ verdict: 'not-ready', ...(layer ? { layer } : {}) });
    return { id: b.id, count: b.count, title: t(lang, `tenant.reason.${b.id}`), href: formatHash({ view: 'users', query }), tenant: true, data: { 'data-tenant-reason': b.id } };
  });
  // Stable: equal counts keep the PC's checks first, each in catalogue order.
  return [...local, ...tenant].sort((a, b) => b.count - a.count);
}

function OverviewBody({ summary }: { summary: Summary }) {
  const { lang, tr, liveLostAt, now } = useApp();
  // Counted before the live connection was lost: who is online now is not known.
  const presenceNote = liveLostAt === null ? null : tr('online.unknownSince', { time: formatClock(lang, new Date(liveLostAt).toISOString(), now) });
  const percent = summary.total > 0 ? Math.round((summary.readiness.ready / summary.total) * 100) : 0;
  const tiles = [
    { id: 'total', label: tr('overview.total'), value: summary.total, href: devicesHash({}) },
    { id: 'ready', label: t(lang, 'readiness.ready'), value: summary.readiness.ready, href: devicesHash({ readiness: 'ready' }) },
    { id: 'not-ready', label: t(lang, 'readiness.not-ready'), value: summary.readiness.notReady, href: devicesHash({ readiness: 'not-ready' }) },
    { id: 'unknown', label: t(lang, 'readiness.unknown'), value: summary.readiness.unknown, href: devicesHash({ readiness: 'unknown' }) },
    { id: 'online', label: tr('overview.online'), value: summary.online, href: devicesHash({ online: true }), note: presenceNote },
    { id: 'offline', label: tr('overview.offline'), value: summary.offline, href: devicesHash({ online: false }), note: presenceNote },
  ];
  const blocking = blockingReasons(lang, summary);
  const maxBlocking = Math.max(0, ...blocking.map((b) => b.count));
  const maxKeys = Math.max(0, ...summary.keys.map((k) => k.total));

  return (
    <>
      <ul class="tiles" aria-label={tr('overview.title')}>
        {tiles.map((tile) => (
          <li key={tile.id}>
            <a class={`tile tile-${tile.id}`} href={tile.href} data-tile={tile.id}>
              <span class="tile-value">{formatNumber(lang, tile.value)}</span>
              <span class="tile-label">{tile.label}</span>
              {'note' in tile && tile.note !== null && (
                <span class="tile-note" data-presence="unknown">
                  {tile.note}
                </span>
              )}
            </a>
          </li>
        ))}
      </ul>
      <p class="lead" data-headline>{tr('overview.readyShare', { percent })}</p>
      <LayersPanel summary={summary} />
      <WavesPanel />
      <GroupsPanel />
      <TenantPanel tenant={summary.tenant ?? null} />

      <div class="panels">
        <section class="panel" aria-labelledby="trend-title">
          <h2 id="trend-title">{tr('overview.trend')}</h2>
          <TrendChart trend={summary.trend} />
        </section>

        <section class="panel" aria-labelledby="blocking-title">
          <h2 id="blocking-title">{tr('overview.blocking')}</h2>
          {blocking.length === 0 ? (
            <p class="muted">{tr('overview.blockingEmpty')}</p>
          ) : (
            <>
              <p class="muted">{tr('overview.blockingHint')}</p>
              {summary.tenant && <p class="muted">{tr('overview.blockingTenantHint')}</p>}
              <ol class="bars">
                {blocking.map((entry) => (
                  <li key={entry.id}>
                    <a href={entry.href} {...entry.data}>
                      <span class="bar-label">{tr(entry.tenant ? 'overview.blockingTenantBar' : 'overview.blockingBar', { pcs: pcs(lang, entry.count), title: entry.title })}</span>
                      <Bar parts={[{ value: entry.count, className: 'fill-blocking' }]} max={maxBlocking} />
                    </a>
                  </li>
                ))}
              </ol>
            </>
          )}
        </section>
      </div>

      <section class="panel" aria-labelledby="keys-title">
        <h2 id="keys-title">{tr('overview.keys')}</h2>
        {summary.keys.length === 0 ? (
          <p class="muted">{tr('overview.keysEmpty')}</p>
        ) : (
          <table class="keys">
            <thead>
              <tr>
                <th scope="col">{tr('overview.keyModel')}</th>
                <th scope="col" class="num">{tr('overview.keyTotal')}</th>
                <th scope="col" class="num">{tr('overview.keyEnrolled')}</th>
                <th scope="col" class="num">{tr('overview.keyNotEnrolled')}</th>
                <th scope="col" class="bar-cell"><span class="sr-only">{tr('overview.keyEnrolled')}</span></th>
              </tr>
            </thead>
            <tbody>
              {summary.keys.map((key) => (
                <tr key={key.model}>
                  <th scope="row">
                    <a href={devicesHash({ model: key.model })}>{key.model}</a>
                  </th>
                  <td class="num">{formatNumber(lang, key.total)}</td>
                  <td class="num">{formatNumber(lang, key.fingerprintEnrolled)}</td>
                  <td class="num">{formatNumber(lang, key.fingerprintNotEnrolled)}</td>
                  <td class="bar-cell">
                    <Bar
                      parts={[
                        { value: key.fingerprintEnrolled, className: 'fill-ok' },
                        { value: key.fingerprintNotEnrolled, className: 'fill-blocking' },
                      ]}
                      max={maxKeys}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

/** Each layer alone (the PC, the key as last seen, the user), every count a link to its PCs. */
function LayersPanel({ summary }: { summary: Summary }) {
  const { lang, tr } = useApp();
  return (
    <section class="panel" aria-labelledby="layers-title">
      <h2 id="layers-title">{tr('overview.layers')}</h2>
      <p class="muted">{tr('overview.layersHint')}</p>
      <table class="layer-table">
        <thead>
          <tr>
            <td />
            {READINESS.map((state) => (
              <th scope="col" key={state} class="num">
                {t(lang, `readiness.${state}`)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {LAYER_NAMES.map((layer) => (
            <tr key={layer}>
              <th scope="row">{tr(`layer.${layer}`)}</th>
              {READINESS.map((state) => (
                <td key={state} class="num">
                  <a href={devicesHash({ [layer]: state })} data-layer={layer} data-state={state}>
                    {formatNumber(lang, summary.layers[layer][countKey(state)])}
                  </a>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">{tr('overview.layersKeyNote')}</p>
      <p class="muted">{tr('overview.layersUserNote')}</p>
    </section>
  );
}

const METHOD_TEXT: Readonly<Record<TenantOverview['fido2'], UiKey>> = {
  enabled: 'overview.tenantMethod.enabled',
  disabled: 'overview.tenantMethod.disabled',
  unknown: 'overview.tenantMethod.unknown',
};
const RESTRICTION_TEXT: Readonly<Record<TenantOverview['restriction'], UiKey>> = {
  none: 'overview.tenantRestriction.none',
  allow: 'overview.tenantRestriction.allow',
  block: 'overview.tenantRestriction.block',
  profiles: 'overview.tenantRestriction.profiles',
};

/** Guide step 1 as the tenant has it (stored Graph reads), or how to connect Entra when it is off. */
function TenantPanel({ tenant }: { tenant: TenantOverview | null }) {
  const { lang, tr } = useApp();
  const targets = (list: TenantOverview['include']): string =>
    list.length === 0
      ? tr('overview.tenantNobody')
      : list
          .map((g) =>
            g.id === 'all_users'
              ? tr('overview.tenantAllUsers')
              : g.exists === false
                ? tr('overview.tenantGroupDeleted', { group: g.id })
                : g.members === null
                  ? tr('overview.tenantGroupUnread', { group: g.name ?? g.id })
                  : tr('overview.tenantGroup', { group: g.name ?? g.id, count: formatNumber(lang, g.members) }),
          )
          .join(', ');
  return (
    <section class="panel" aria-labelledby="tenant-overview-title" data-tenant-overview={tenant?.fido2 ?? 'off'}>
      <h2 id="tenant-overview-title">{tr('overview.tenant')}</h2>
      {tenant === null ? (
        <p class="muted">{tr('overview.tenantOff')}</p>
      ) : (
        <>
          <dl class="tenant-facts">
            <dt>{tr('overview.tenantMethod')}</dt>
            <dd data-fact="method">{tr(METHOD_TEXT[tenant.fido2])}</dd>
            <dt>{tr('overview.tenantTargets')}</dt>
            <dd data-fact="include">{targets(tenant.include)}</dd>
            <dt>{tr('overview.tenantExcluded')}</dt>
            <dd data-fact="exclude">{targets(tenant.exclude)}</dd>
            <dt>{tr('overview.tenantModels')}</dt>
            <dd data-fact="models">
              {tr('overview.tenantModelsCount', {
                admitted: formatNumber(lang, tenant.atkeyAdmitted.length),
                total: formatNumber(lang, tenant.atkeyTotal),
                restriction: tr(RESTRICTION_TEXT[tenant.restriction]),
              })}
              {tenant.restriction !== 'none' && tenant.atkeyAdmitted.length > 0 && `: ${tenant.atkeyAdmitted.map((m) => m.name).join(', ')}`}
            </dd>
          </dl>
          {tenant.missing !== null && <p class="muted" data-fact="missing">{tr('overview.tenantMissing', { name: tenant.missing.name })}</p>}
          {tenant.readAt !== null && <p class="muted" data-fact="age">{tr('tenant.age', { time: formatDateTime(lang, tenant.readAt) })}</p>}
        </>
      )}
    </section>
  );
}
