// The overview broken down by a tag key (site, department…): readiness per group as a chart (one
// stacked bar per group, the numbers beside it) and a table, each group a link to its PCs.
import { useEffect, useState } from 'preact/hooks';
import type { GroupBreakdown } from '../../../protocol/api.ts';
import { t } from '../../../protocol/i18n/index.ts';
import { api } from '../api.ts';
import { Bar } from '../charts.tsx';
import { Loaded } from '../components.tsx';
import { useApp, useLive, useResource } from '../context.ts';
import { formatNumber } from '../i18n/format.ts';
import { coalesce } from '../live.ts';
import { devicesHash } from '../route.ts';
import { useTagCatalogue } from './tags.tsx';

const GROUP_KEY_STORAGE = 'keyready.groupKey';
const REFRESH_MS = 1_000;

/** The remembered key when it is still in use, else `site`, else the first key. */
function initialKey(keys: readonly string[]): string | null {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(GROUP_KEY_STORAGE);
  } catch {
    // No storage: the default below.
  }
  if (stored !== null && keys.includes(stored)) return stored;
  return keys.includes('site') ? 'site' : (keys[0] ?? null);
}

export function GroupsPanel() {
  const { tr } = useApp();
  const { resource: catalogue } = useTagCatalogue();
  const keys = catalogue.state === 'ready' ? catalogue.data.keys.map((k) => k.key) : [];
  const [key, setKey] = useState<string | null>(null);
  useEffect(() => {
    if (key === null && keys.length > 0) setKey(initialKey(keys));
  }, [keys.join('\n')]);
  const choose = (value: string) => {
    setKey(value);
    try {
      localStorage.setItem(GROUP_KEY_STORAGE, value);
    } catch {
      // Not remembered; the choice still applies.
    }
  };
  return (
    <section class="panel" aria-labelledby="groups-title" data-groups>
      <h2 id="groups-title">{tr('groups.title')}</h2>
      {catalogue.state === 'ready' && keys.length === 0 && <p class="muted">{tr('groups.none')}</p>}
      {keys.length > 0 && key !== null && (
        <>
          <label class="inline">
            {tr('groups.key')}{' '}
            <select name="group-key" value={key} onChange={(e) => choose(e.currentTarget.value)}>
              {keys.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          <Groups tagKey={key} />
        </>
      )}
    </section>
  );
}

function Groups({ tagKey }: { tagKey: string }) {
  const { resource, reload } = useResource(() => api.groups(tagKey), [tagKey]);
  const [refresh] = useState(() => coalesce(reload, REFRESH_MS));
  useEffect(() => refresh.cancel, [refresh]);
  useLive(() => refresh.trigger());
  return <Loaded resource={resource} retry={reload}>{(breakdown) => <GroupTable breakdown={breakdown} />}</Loaded>;
}

function GroupTable({ breakdown }: { breakdown: GroupBreakdown }) {
  const { lang, tr } = useApp();
  const max = Math.max(0, ...breakdown.groups.map((g) => g.total));
  const name = (value: string | null) => value ?? tr('groups.noValue', { key: breakdown.key });
  return (
    <figure class="chart groups" aria-label={tr('groups.chartLabel', { key: breakdown.key })}>
      <div class="table-scroll">
        <table class="group-table">
          <thead>
            <tr>
              <th scope="col">{tr('groups.value')}</th>
              <th scope="col" class="num">{tr('groups.total')}</th>
              <th scope="col" class="num">{t(lang, 'readiness.ready')}</th>
              <th scope="col" class="num">{t(lang, 'readiness.not-ready')}</th>
              <th scope="col" class="num">{t(lang, 'readiness.unknown')}</th>
              <th scope="col" class="num">{tr('groups.readyShare')}</th>
              <th scope="col" class="bar-cell">
                <span class="sr-only">{tr('groups.chartLabel', { key: breakdown.key })}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {breakdown.groups.map((g) => (
              <tr key={g.value ?? ''} data-group={g.value ?? ''}>
                <th scope="row">{g.value === null ? <span class="muted">{name(null)}</span> : <a href={devicesHash({ tag: `${breakdown.key}=${g.value}` })}>{g.value}</a>}</th>
                <td class="num">{formatNumber(lang, g.total)}</td>
                <td class="num">{formatNumber(lang, g.ready)}</td>
                <td class="num">{formatNumber(lang, g.notReady)}</td>
                <td class="num">{formatNumber(lang, g.unknown)}</td>
                <td class="num" data-share>{`${g.total > 0 ? Math.round((g.ready / g.total) * 100) : 0}%`}</td>
                <td class="bar-cell">
                  <Bar
                    parts={[
                      { value: g.ready, className: 'fill-ok' },
                      { value: g.notReady, className: 'fill-blocking' },
                      { value: g.unknown, className: 'fill-unknown' },
                    ]}
                    max={max}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
