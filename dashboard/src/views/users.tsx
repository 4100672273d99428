// The users view: one row per user seen on PCs, with their PCs, their key, whether Entra has it
// registered, "can they sign in today" and the layer holding them back. Filtered, sorted and paged on
// the server (fleet_users), exported as CSV with the same filter; the filter lives in the URL hash.
import { useEffect, useMemo } from 'preact/hooks';
import { USER_LAYERS, type UserLayer, type UserQuery, type UserRow } from '../../../protocol/api.ts';
import { t } from '../../../protocol/i18n/index.ts';
import { READINESS } from '../../../protocol/report.ts';
import { api, usersExportHref } from '../api.ts';
import { Loaded, ReadinessBadge, When } from '../components.tsx';
import { useApp, useLive, useResource } from '../context.ts';
import type { UiKey } from '../i18n/index.ts';
import { coalesce } from '../live.ts';
import { formatHash } from '../route.ts';
import { Pager, SelectFilter, SortableHeader, TextFilter } from './devices.tsx';

const LIST_REFRESH_MS = 2_000;

type SortField = UserQuery['sort'];
const COLUMNS: readonly { key: UiKey; sort?: SortField }[] = [
  { key: 'users.col.user', sort: 'user' },
  { key: 'users.col.verdict', sort: 'verdict' },
  { key: 'users.col.heldBy' },
  { key: 'users.col.pcs', sort: 'pcs' },
  { key: 'users.col.key' },
  { key: 'users.col.registered' },
  { key: 'users.col.lastSeen' },
];

const LAYER_LABEL: Readonly<Record<UserLayer, UiKey>> = { pc: 'users.layer.pc', key: 'users.layer.key', tenant: 'users.layer.tenant', user: 'users.layer.user' };
const REGISTERED: Readonly<Record<UserRow['keyRegistered'], { label: UiKey; badge: string }>> = {
  yes: { label: 'users.registered.yes', badge: 'status-pass' },
  no: { label: 'users.registered.no', badge: 'status-fail' },
  unknown: { label: 'users.registered.unknown', badge: 'status-unknown' },
};

function go(query: UserQuery): void {
  location.hash = formatHash({ view: 'users', query });
}

export function Users({ query }: { query: UserQuery }) {
  const { tr } = useApp();
  const key = formatHash({ view: 'users', query });
  const { resource, reload } = useResource(() => api.users(query), [key]);
  // A user's row follows their PCs: any PC change may move it (the collector rebuilds it on ingest).
  const refresh = useMemo(() => coalesce(reload, LIST_REFRESH_MS), [reload]);
  useEffect(() => refresh.cancel, [refresh]);
  useLive((message) => {
    if (message.type !== 'recheck') refresh.trigger();
  });

  return (
    <main id="main" tabIndex={-1}>
      <h1>{tr('users.title')}</h1>
      <p class="muted">{tr('users.intro')}</p>
      <Filters query={query} />
      <Loaded resource={resource} retry={reload}>
        {(list) => (
          <>
            {!list.tenantConnected && <p class="note" data-tenant="off">{tr('users.tenantOff')}</p>}
            <Pager query={query} total={list.total} go={go} label={tr('users.list')} range={'users.range'} />
            {list.items.length === 0 ? <p class="muted">{tr('users.empty')}</p> : <UserTable query={query} rows={list.items} />}
          </>
        )}
      </Loaded>
    </main>
  );
}

function Filters({ query }: { query: UserQuery }) {
  const { lang, tr, role } = useApp();
  const set = (change: Partial<UserQuery>) => go({ ...query, ...change, offset: 0 });
  const filtered = query.verdict !== undefined || query.layer !== undefined || query.q !== undefined;
  return (
    <form class="filters" role="search" aria-label={tr('users.filters')} onSubmit={(e) => e.preventDefault()}>
      <TextFilter name="q" label={tr('users.search')} placeholder={tr('users.searchPlaceholder')} value={query.q} apply={(q) => set({ q })} />
      <SelectFilter
        name="verdict"
        label={tr('users.verdict')}
        value={query.verdict}
        options={READINESS.map((r) => ({ value: r, label: t(lang, `readiness.${r}`) }))}
        apply={(verdict) => set({ verdict })}
      />
      <SelectFilter
        name="layer"
        label={tr('users.layer')}
        value={query.layer}
        options={USER_LAYERS.map((l) => ({ value: l, label: tr(LAYER_LABEL[l]) }))}
        apply={(layer) => set({ layer })}
      />
      <div class="filter-actions">
        {filtered && (
          <button type="button" onClick={() => go({ ...query, verdict: undefined, layer: undefined, q: undefined, offset: 0 })}>
            {tr('devices.clear')}
          </button>
        )}
        {/* A fleet-wide export: an admin's (the collector refuses it to helpdesk accounts too). */}
        {role === 'admin' && (
          <a class="button" href={usersExportHref(query)} download="keyready-users.csv" title={tr('users.exportHint')}>
            {tr('users.export')}
          </a>
        )}
      </div>
    </form>
  );
}

/** "ATKey.Pro — fingerprint: Enrolled, PIN: Set — 3 minutes ago". */
export function KeySummary({ userKey }: { userKey: UserRow['key'] }) {
  const { tr } = useApp();
  if (userKey === null) return <span class="muted">{tr('common.none')}</span>;
  const state = (value: boolean | null, yes: UiKey, no: UiKey) => (value === null ? tr('common.unknown') : tr(value ? yes : no));
  return (
    <span data-key-model={userKey.model}>
      {userKey.model}
      <br />
      <span class="muted">
        {tr('users.keyState', {
          fingerprint: state(userKey.fingerprintEnrolled, 'device.keyEnrolled', 'device.keyNotEnrolled'),
          pin: state(userKey.pinSet, 'device.pinSet', 'device.pinNotSet'),
        })}
        {' — '}
        <When at={userKey.seenAt} />
      </span>
    </span>
  );
}

export function HeldBy({ row }: { row: UserRow }) {
  const { tr } = useApp();
  if (row.heldBy.length === 0) return <span class="muted">{tr('common.none')}</span>;
  return (
    <span class="layers">
      {row.heldBy.map((layer) => (
        <span key={layer} class={`badge readiness-${row.verdict}`} data-held-by={layer}>
          {tr(LAYER_LABEL[layer])}
        </span>
      ))}
    </span>
  );
}

export function Registered({ row }: { row: UserRow }) {
  const { tr } = useApp();
  const { label, badge } = REGISTERED[row.keyRegistered];
  return (
    <span class={`badge ${badge}`} data-registered={row.keyRegistered}>
      {tr(label)}
    </span>
  );
}

function UserTable({ query, rows }: { query: UserQuery; rows: readonly UserRow[] }) {
  const { tr } = useApp();
  return (
    <div class="table-scroll">
      <table class="devices users">
        <caption class="sr-only">{tr('users.list')}</caption>
        <thead>
          <tr>
            {COLUMNS.map((column) => (
              <SortableHeader key={column.key} label={tr(column.key)} field={column.sort} query={query} sortBy={(sort, order) => go({ ...query, sort, order, offset: 0 })} />
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.user} data-user={row.user}>
              <th scope="row">
                <a href={formatHash({ view: 'user', user: row.user })}>{row.user}</a>
              </th>
              <td>
                <ReadinessBadge readiness={row.verdict} />
              </td>
              <td>
                <HeldBy row={row} />
              </td>
              <td>
                <PcLinks row={row} />
              </td>
              <td>
                <KeySummary userKey={row.key} />
              </td>
              <td>
                <Registered row={row} />
              </td>
              <td>
                <When at={row.lastSeen} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PcLinks({ row }: { row: UserRow }) {
  const { tr } = useApp();
  const more = row.pcCount - row.pcs.length;
  return (
    <span data-pcs={row.pcCount}>
      {row.pcs.map((pc, i) => (
        <span key={pc.deviceId}>
          {i > 0 && ', '}
          <a href={formatHash({ view: 'device', deviceId: pc.deviceId })} class={`pc readiness-${pc.readiness}`}>
            {pc.hostname}
          </a>
        </span>
      ))}
      {more > 0 && <span class="muted"> {tr('users.morePcs', { count: more })}</span>}
      <br />
      <span class="muted">{tr('users.readyPcs', { ready: row.readyPcs, total: row.pcCount })}</span>
    </span>
  );
}
