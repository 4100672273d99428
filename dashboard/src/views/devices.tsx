// The device list: filter, search, sort and page on the server (fast at 100,000 PCs), export the
// same filter as CSV. The filter lives in the URL hash, so a filtered list is a link.
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { SORT_FIELDS, type DeviceQuery, type DeviceRow } from '../../../protocol/api.ts';
import { CHECK_IDS } from '../../../protocol/checks.ts';
import { t } from '../../../protocol/i18n/index.ts';
import { READINESS, type Lang } from '../../../protocol/report.ts';
import type { LAYER_NAMES } from '../../../protocol/readiness.ts';
import { api, exportHref } from '../api.ts';
import { LayerBadges, Loaded, OnlineBadge, ReadinessBadge, When } from '../components.tsx';
import { useApp, useLive, useResource } from '../context.ts';
import { checkTitle, type UiKey } from '../i18n/index.ts';
import { formatNumber } from '../i18n/format.ts';
import { loadColumns, saveColumns } from '../columns.ts';
import { coalesce } from '../live.ts';
import { TagAssign, TagList, filterSuggestions, tagValue, useTagCatalogue } from './tags.tsx';
import { formatHash } from '../route.ts';

const PAGE_SIZES = [25, 50, 100, 200] as const;
const TYPING_DELAY_MS = 300;
const LIST_REFRESH_MS = 1_000;

type SortField = (typeof SORT_FIELDS)[number];

/** A list column: its header, sort field, and cell. `choosable` ones can be hidden with the column chooser. */
interface Column {
  id: string;
  key: UiKey;
  sort?: SortField;
  choosable?: boolean;
  className?: string;
  cell: (row: DeviceRow, lang: Lang, tr: (key: UiKey) => string) => ComponentChildren;
}

const none = (tr: (key: UiKey) => string) => <span class="muted">{tr('common.none')}</span>;
const yesNo = (value: boolean | null, yes: UiKey, no: UiKey, tr: (key: UiKey) => string) => (value === null ? none(tr) : tr(value ? yes : no));

const COLUMNS: readonly Column[] = [
  { id: 'user', key: 'col.user', choosable: true, cell: (row, _lang, tr) => row.user ?? none(tr) },
  { id: 'readiness', key: 'col.readiness', sort: 'readiness', cell: (row) => <ReadinessBadge readiness={row.readiness} /> },
  { id: 'layers', key: 'col.layers', cell: (row) => <LayerBadges layers={row.layers} compact /> },
  { id: 'blocking', key: 'col.blocking', className: 'blocking', cell: (row, lang) => row.blocking.map((id) => checkTitle(lang, id)).join(', ') },
  { id: 'online', key: 'col.online', cell: (row) => <OnlineBadge online={row.online} lastSeen={row.lastSeen} /> },
  { id: 'lastSeen', key: 'col.lastSeen', sort: 'lastSeen', cell: (row) => <When at={row.lastSeen} /> },
  { id: 'lastReport', key: 'col.lastReport', sort: 'lastReport', cell: (row) => <When at={row.lastReport} /> },
  { id: 'osBuild', key: 'col.osBuild', sort: 'osBuild', className: 'num', cell: (row, _lang, tr) => row.osBuild ?? tr('common.none') },
  { id: 'joinType', key: 'col.joinType', choosable: true, cell: (row, _lang, tr) => (row.joinType ? tr(`join.${row.joinType}`) : none(tr)) },
  { id: 'site', key: 'col.site', choosable: true, cell: (row, _lang, tr) => siteCell(row, tr) },
  { id: 'tags', key: 'col.tags', choosable: true, cell: (row) => <TagList row={row} /> },
  { id: 'keyModel', key: 'col.keyModel', sort: 'keyModel', className: 'key', cell: (row, _lang, tr) => row.keyModel ?? none(tr) },
  { id: 'fingerprint', key: 'col.fingerprint', choosable: true, cell: (row, _lang, tr) => yesNo(row.keyFingerprintEnrolled, 'device.keyEnrolled', 'device.keyNotEnrolled', tr) },
  { id: 'pin', key: 'col.pin', choosable: true, cell: (row, _lang, tr) => yesNo(row.keyPinSet, 'device.pinSet', 'device.pinNotSet', tr) },
];

/** The site a group counts (the collector's tag over the agent's), marked when assigned in the dashboard. */
function siteCell(row: DeviceRow, tr: (key: UiKey) => string): ComponentChildren {
  const site = tagValue(row, 'site');
  if (site === null) return none(tr);
  return site.source === 'agent' ? site.value : <span class="tag-collector" title={tr('tags.fromCollector')}>◆ {site.value}</span>;
}

const CHOOSABLE = COLUMNS.filter((c) => c.choosable).map((c) => c.id);
/** What a first visit shows: the user, as before the chooser; the key's details are a click away. */
const DEFAULT_CHOSEN: readonly string[] = ['user'];

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
  const { tr, role } = useApp();
  const key = formatHash({ view: 'devices', query });
  const { resource, reload, update } = useResource(() => api.devices(query), [key]);
  const { resource: catalogue, reload: reloadCatalogue } = useTagCatalogue();
  // A selection is of the PCs on screen: a new filter or page starts a new one.
  const [selected, setSelected] = useState<readonly string[]>([]);
  useEffect(() => setSelected([]), [key]);
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
  const tagsChanged = () => {
    reload();
    reloadCatalogue();
  };

  return (
    <main id="main" tabIndex={-1}>
      <h1>{tr('devices.title')}</h1>
      <Filters query={query} suggestions={catalogue.state === 'ready' ? filterSuggestions(catalogue.data) : []} />
      <Loaded resource={resource} retry={reload}>
        {(list) => (
          <>
            {role === 'admin' && catalogue.state === 'ready' && (
              <TagAssign query={query} selected={selected} total={list.total} catalogue={catalogue.data} done={tagsChanged} />
            )}
            <Pager query={query} total={list.total} go={go} />
            {list.items.length === 0 ? (
              <p class="muted">{tr('devices.empty')}</p>
            ) : (
              <DeviceTable query={query} rows={list.items} selection={role === 'admin' ? { selected, setSelected } : null} />
            )}
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

function Filters({ query, suggestions }: { query: DeviceQuery; suggestions: readonly string[] }) {
  const { lang, tr, role } = useApp();
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
      <TextFilter name="tag" label={tr('devices.tag')} placeholder={tr('devices.tagPlaceholder')} value={query.tag} list="tag-filter-values" apply={(tag) => set({ tag })} />
      <datalist id="tag-filter-values">
        {suggestions.map((v) => (
          <option key={v} value={v} />
        ))}
      </datalist>
      <div class="filter-actions">
        {filtered && (
          <button type="button" onClick={() => go({ ...query, ...cleared, offset: 0 })}>
            {tr('devices.clear')}
          </button>
        )}
        {/* Exporting the fleet is an admin's (the collector refuses it to helpdesk accounts too). */}
        {role === 'admin' && (
          <a class="button" href={exportHref(query)} download="keyready-devices.csv" title={tr('devices.exportHint')}>
            {tr('devices.export')}
          </a>
        )}
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
export function SortableHeader<F extends string>({ label, field, query, sortBy, column }: {
  label: string;
  /** data-column: which column it heads (the column chooser and tests name columns so). */
  column?: string;
  field: F | undefined;
  query: { sort: F; order: 'asc' | 'desc' };
  sortBy: (field: F, order: 'asc' | 'desc') => void;
}) {
  const { tr } = useApp();
  const sorted = field !== undefined && query.sort === field;
  return (
    <th scope="col" aria-sort={sorted ? (query.order === 'asc' ? 'ascending' : 'descending') : undefined} data-column={column}>
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

/** The optional columns this browser shows (remembered across visits). */
function useChosenColumns(): [readonly string[], (id: string, shown: boolean) => void] {
  const [chosen, setChosen] = useState<readonly string[]>(() => loadColumns(CHOOSABLE, DEFAULT_CHOSEN));
  const toggle = (id: string, shown: boolean) => {
    const next = CHOOSABLE.filter((c) => (c === id ? shown : chosen.includes(c)));
    saveColumns(next);
    setChosen(next);
  };
  return [chosen, toggle];
}

function ColumnChooser({ chosen, toggle }: { chosen: readonly string[]; toggle: (id: string, shown: boolean) => void }) {
  const { tr } = useApp();
  return (
    <details class="column-chooser" data-column-chooser>
      <summary>{tr('devices.columns')}</summary>
      <fieldset>
        <legend class="sr-only">{tr('devices.columns')}</legend>
        {COLUMNS.filter((c) => c.choosable).map((column) => (
          <label key={column.id}>
            <input type="checkbox" name={`column-${column.id}`} checked={chosen.includes(column.id)} onChange={(e) => toggle(column.id, e.currentTarget.checked)} />
            {tr(column.key)}
          </label>
        ))}
      </fieldset>
    </details>
  );
}

interface Selection {
  selected: readonly string[];
  setSelected: (ids: readonly string[]) => void;
}

function DeviceTable({ query, rows, selection }: { query: DeviceQuery; rows: readonly DeviceRow[]; selection: Selection | null }) {
  const { lang, tr } = useApp();
  const select = (id: string, on: boolean) => selection?.setSelected(on ? [...selection.selected, id] : selection.selected.filter((s) => s !== id));
  const allOnPage = selection !== null && rows.every((r) => selection.selected.includes(r.deviceId));
  const [chosen, toggleColumn] = useChosenColumns();
  const columns = COLUMNS.filter((c) => !c.choosable || chosen.includes(c.id));
  const header = (key: UiKey, sort: SortField | undefined, id: string) => (
    <SortableHeader key={id} column={id} label={tr(key)} field={sort} query={query} sortBy={(field, order) => go(refine(query, { sort: field, order }))} />
  );
  return (
    <>
      <ColumnChooser chosen={chosen} toggle={toggleColumn} />
      {/* Every column stays reachable: a table wider than the window scrolls inside this box, never the page. */}
      <div class="table-scroll" tabIndex={0} role="region" aria-label={tr('devices.list')} data-table-scroll>
        <table class="devices">
          <caption class="sr-only">{tr('devices.list')}</caption>
          <thead>
            <tr>
              {selection && (
                <td class="select">
                  <input
                    type="checkbox"
                    aria-label={tr('devices.selectPage')}
                    checked={allOnPage}
                    onChange={(e) => selection.setSelected(e.currentTarget.checked ? rows.map((r) => r.deviceId) : [])}
                    data-select="page"
                  />
                </td>
              )}
              {header('col.hostname', 'hostname', 'hostname')}
              {columns.map((column) => header(column.key, column.sort, column.id))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.deviceId} data-device-id={row.deviceId}>
                {selection && (
                  <td class="select">
                    <input
                      type="checkbox"
                      aria-label={tr('devices.select', { host: row.hostname })}
                      checked={selection.selected.includes(row.deviceId)}
                      onChange={(e) => select(row.deviceId, e.currentTarget.checked)}
                      data-select={row.deviceId}
                    />
                  </td>
                )}
                <th scope="row">
                  <a href={formatHash({ view: 'device', deviceId: row.deviceId })}>{row.hostname}</a>
                </th>
                {columns.map((column) => (
                  <td key={column.id} class={column.className} data-column={column.id}>
                    {column.cell(row, lang, (key) => tr(key))}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
