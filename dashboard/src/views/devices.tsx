// The device list: filter, search, sort and page on the server (fast at 100,000 PCs), export the
// same filter as CSV. The filter lives in the URL hash, so a filtered list is a link.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { SORT_FIELDS, type DeviceQuery, type DeviceRow } from '../../../protocol/api.ts';
import { CHECK_IDS } from '../../../protocol/checks.ts';
import { t } from '../../../protocol/i18n/index.ts';
import { READINESS } from '../../../protocol/report.ts';
import type { LAYER_NAMES } from '../../../protocol/readiness.ts';
import { api, exportHref } from '../api.ts';
import { LayerBadges, Loaded, OnlineBadge, ReadinessBadge, When } from '../components.tsx';
import { useApp, useLive, useResource } from '../context.ts';
import { checkTitle, type UiKey } from '../i18n/index.ts';
import { formatNumber } from '../i18n/format.ts';
import { coalesce } from '../live.ts';
import { formatHash } from '../route.ts';

const PAGE_SIZES = [25, 50, 100, 200] as const;
const TYPING_DELAY_MS = 300;
const LIST_REFRESH_MS = 1_000;

type SortField = (typeof SORT_FIELDS)[number];
const COLUMNS: readonly { key: UiKey; sort?: SortField }[] = [
  { key: 'col.hostname', sort: 'hostname' },
  { key: 'col.user' },
  { key: 'col.readiness', sort: 'readiness' },
  { key: 'col.layers' },
  { key: 'col.blocking' },
  { key: 'col.online' },
  { key: 'col.lastSeen', sort: 'lastSeen' },
  { key: 'col.lastReport', sort: 'lastReport' },
  { key: 'col.osBuild', sort: 'osBuild' },
  { key: 'col.keyModel', sort: 'keyModel' },
];

const LAYER_FILTERS: readonly { layer: (typeof LAYER_NAMES)[number]; label: UiKey }[] = [
  { layer: 'device', label: 'devices.layerDevice' },
  { layer: 'key', label: 'devices.layerKey' },
  { layer: 'user', label: 'devices.layerUser' },
];

function go(query: DeviceQuery): void {
  location.hash = formatHash({ view: 'devices', query });
}

/** A filter change starts again from the first page. */
function refine(query: DeviceQuery, change: Partial<DeviceQuery>): DeviceQuery {
  return { ...query, ...change, offset: 0 };
}

export function Devices({ query }: { query: DeviceQuery }) {
  const { tr } = useApp();
  const key = formatHash({ view: 'devices', query });
  const { resource, reload, update } = useResource(() => api.devices(query), [key]);
  const refresh = useMemo(() => coalesce(reload, LIST_REFRESH_MS), [reload]);
  useEffect(() => refresh.cancel, [refresh]);
  useLive((message) => {
    if (message.type === 'device') {
      const changed = message.device;
      update((list) => ({ ...list, items: list.items.map((row) => (row.deviceId === changed.deviceId ? changed : row)) }));
    } else if (message.type !== 'recheck') {
      refresh.trigger();
    }
  });

  return (
    <main id="main" tabIndex={-1}>
      <h1>{tr('devices.title')}</h1>
      <Filters query={query} />
      <Loaded resource={resource} retry={reload}>
        {(list) => (
          <>
            <Pager query={query} total={list.total} go={go} />
            {list.items.length === 0 ? <p class="muted">{tr('devices.empty')}</p> : <DeviceTable query={query} rows={list.items} />}
          </>
        )}
      </Loaded>
    </main>
  );
}

/** A text filter typed into: applied after a pause, or at once on Enter. */
export function TextFilter({ label, value, placeholder, name, apply, list }: {
  label: string;
  value: string | undefined;
  placeholder?: string;
  name: string;
  apply: (value: string | undefined) => void;
  list?: string;
}) {
  const [text, setText] = useState(value ?? '');
  useEffect(() => setText(value ?? ''), [value]);
  useEffect(() => {
    if (text === (value ?? '')) return;
    const timer = setTimeout(() => apply(text.trim() || undefined), TYPING_DELAY_MS);
    return () => clearTimeout(timer);
    // Only typing schedules an update; the hash changing back into `value` must not.
  }, [text]);
  return (
    <label>
      {label}
      <input
        type="search"
        name={name}
        value={text}
        placeholder={placeholder}
        list={list}
        maxLength={256}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') apply(text.trim() || undefined);
        }}
      />
    </label>
  );
}

/** A choice among fixed values, with "Any" for no filter. */
export function SelectFilter<T extends string>({ name, label, value, options, apply }: {
  name: string;
  label: string;
  value: T | undefined;
  options: readonly { value: T; label: string }[];
  apply: (value: T | undefined) => void;
}) {
  const { tr } = useApp();
  return (
    <label>
      {label}
      <select name={name} value={value ?? ''} onChange={(e) => apply(options.find((o) => o.value === e.currentTarget.value)?.value)}>
        <option value="">{tr('devices.any')}</option>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </label>
  );
}

function Filters({ query }: { query: DeviceQuery }) {
  const { lang, tr } = useApp();
  const { resource: summary } = useResource(api.summary, []);
  const models = summary.state === 'ready' ? summary.data.keys.map((k) => k.model) : [];
  const set = (change: Partial<DeviceQuery>) => go(refine(query, change));
  const readinessOptions = READINESS.map((r) => ({ value: r, label: t(lang, `readiness.${r}`) }));
  const checkOptions = CHECK_IDS.map((id) => ({ value: id, label: checkTitle(lang, id) }));
  const cleared = { readiness: undefined, check: undefined, unknown: undefined, device: undefined, key: undefined, user: undefined, online: undefined, model: undefined, tag: undefined, q: undefined };
  const filtered = Object.keys(cleared).some((name) => query[name as keyof typeof cleared] !== undefined);

  return (
    <form class="filters" role="search" aria-label={tr('devices.filters')} onSubmit={(e) => e.preventDefault()}>
      <TextFilter name="q" label={tr('devices.search')} placeholder={tr('devices.searchPlaceholder')} value={query.q} apply={(q) => set({ q })} />
      <SelectFilter name="readiness" label={tr('devices.readiness')} value={query.readiness} options={readinessOptions} apply={(readiness) => set({ readiness })} />
      <SelectFilter name="check" label={tr('devices.check')} value={query.check} options={checkOptions} apply={(check) => set({ check })} />
      <SelectFilter name="unknown" label={tr('devices.unknown')} value={query.unknown} options={checkOptions} apply={(unknown) => set({ unknown })} />
      {LAYER_FILTERS.map(({ layer, label }) => (
        <SelectFilter key={layer} name={layer} label={tr(label)} value={query[layer]} options={readinessOptions} apply={(state) => set({ [layer]: state })} />
      ))}
      <SelectFilter
        name="online"
        label={tr('devices.online')}
        value={query.online === undefined ? undefined : query.online ? 'true' : 'false'}
        options={[
          { value: 'true', label: tr('online.true') },
          { value: 'false', label: tr('online.false') },
        ]}
        apply={(online) => set({ online: online === undefined ? undefined : online === 'true' })}
      />
      <TextFilter name="model" label={tr('devices.model')} value={query.model} list="key-models" apply={(model) => set({ model })} />
      <datalist id="key-models">
        {models.map((m) => (
          <option key={m} value={m} />
        ))}
      </datalist>
      <TextFilter name="tag" label={tr('devices.tag')} placeholder={tr('devices.tagPlaceholder')} value={query.tag} apply={(tag) => set({ tag })} />
      <div class="filter-actions">
        {filtered && (
          <button type="button" onClick={() => go({ ...query, ...cleared, offset: 0 })}>
            {tr('devices.clear')}
          </button>
        )}
        <a class="button" href={exportHref(query)} download="keyready-devices.csv" title={tr('devices.exportHint')}>
          {tr('devices.export')}
        </a>
      </div>
    </form>
  );
}

/** Previous/next and page size for any paged list (`go` opens the list at another page). */
export function Pager<Q extends { offset: number; limit: number }>({ query, total, go, label, range = 'devices.range' }: {
  query: Q;
  total: number;
  go: (query: Q) => void;
  label?: string;
  range?: UiKey;
}) {
  const { lang, tr } = useApp();
  const from = total === 0 ? 0 : query.offset + 1;
  const to = Math.min(query.offset + query.limit, total);
  return (
    <nav class="pager" aria-label={label ?? tr('devices.list')}>
      <span role="status" data-total={total}>
        {tr(range, { from: formatNumber(lang, from), to: formatNumber(lang, to), total: formatNumber(lang, total) })}
      </span>
      <button type="button" disabled={query.offset === 0} onClick={() => go({ ...query, offset: Math.max(0, query.offset - query.limit) })}>
        {tr('devices.previous')}
      </button>
      <button type="button" disabled={to >= total} onClick={() => go({ ...query, offset: query.offset + query.limit })}>
        {tr('devices.next')}
      </button>
      <label>
        {tr('devices.pageSize')}
        <select name="limit" value={String(query.limit)} onChange={(e) => go({ ...query, limit: Number(e.currentTarget.value), offset: 0 })}>
          {PAGE_SIZES.map((size) => (
            <option key={size} value={String(size)}>
              {size}
            </option>
          ))}
        </select>
      </label>
    </nav>
  );
}

/** A column header; a sortable one is a button that sorts by it, ascending first, then flips the order. */
export function SortableHeader<F extends string>({ label, field, query, sortBy }: {
  label: string;
  field: F | undefined;
  query: { sort: F; order: 'asc' | 'desc' };
  sortBy: (field: F, order: 'asc' | 'desc') => void;
}) {
  const { tr } = useApp();
  const sorted = field !== undefined && query.sort === field;
  return (
    <th scope="col" aria-sort={sorted ? (query.order === 'asc' ? 'ascending' : 'descending') : undefined}>
      {field !== undefined ? (
        <button type="button" class="sort" title={tr('devices.sortBy', { column: label })} onClick={() => sortBy(field, sorted && query.order === 'asc' ? 'desc' : 'asc')}>
          {label}
          <span aria-hidden="true">{sorted ? (query.order === 'asc' ? ' ▲' : ' ▼') : ''}</span>
        </button>
      ) : (
        label
      )}
    </th>
  );
}

function DeviceTable({ query, rows }: { query: DeviceQuery; rows: readonly DeviceRow[] }) {
  const { lang, tr } = useApp();
  return (
    <div class="table-scroll">
      <table class="devices">
        <caption class="sr-only">{tr('devices.list')}</caption>
        <thead>
          <tr>
            {COLUMNS.map((column) => (
              <SortableHeader key={column.key} label={tr(column.key)} field={column.sort} query={query} sortBy={(sort, order) => go(refine(query, { sort, order }))} />
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.deviceId} data-device-id={row.deviceId}>
              <th scope="row">
                <a href={formatHash({ view: 'device', deviceId: row.deviceId })}>{row.hostname}</a>
              </th>
              <td>{row.user ?? <span class="muted">{tr('common.none')}</span>}</td>
              <td>
                <ReadinessBadge readiness={row.readiness} />
              </td>
              <td>
                <LayerBadges layers={row.layers} compact />
              </td>
              <td class="blocking">{row.blocking.map((id) => checkTitle(lang, id)).join(', ')}</td>
              <td>
                <OnlineBadge online={row.online} />
              </td>
              <td>
                <When at={row.lastSeen} />
              </td>
              <td>
                <When at={row.lastReport} />
              </td>
              <td class="num">{row.osBuild ?? tr('common.none')}</td>
              <td>{row.keyModel ?? <span class="muted">{tr('common.none')}</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
