// Tags in the dashboard: the agent's own (agent.json) and the ones an admin assigned on the collector,
// shown side by side and told apart; the catalogue of known keys and values for the dropdowns; and the
// admin's tool that sets or removes a tag on the selected PCs or on every PC the filter matches.
import { useState } from 'preact/hooks';
import type { DeviceQuery, DeviceRow, TagCatalogue } from '../../../protocol/api.ts';
import { api, ApiError, Unauthorized } from '../api.ts';
import { useApp, useResource } from '../context.ts';
import { formatNumber } from '../i18n/format.ts';
import { deviceQueryParams } from '../route.ts';

/** Every tag of a PC: the agent's plain, the collector's marked (and named so in the tooltip). */
export function TagList({ row }: { row: Pick<DeviceRow, 'tags' | 'adminTags'> }) {
  const { tr } = useApp();
  const agent = Object.entries(row.tags);
  const collector = Object.entries(row.adminTags ?? {});
  if (agent.length === 0 && collector.length === 0) return <span class="muted">{tr('common.none')}</span>;
  return (
    <span class="tags">
      {agent.map(([k, v]) => (
        <span key={`a-${k}`} class="tag tag-agent" data-tag-source="agent" title={tr('tags.fromAgent')}>
          {`${k}=${v}`}
        </span>
      ))}
      {collector.map(([k, v]) => (
        <span key={`c-${k}`} class="tag tag-collector" data-tag-source="collector" title={tr('tags.fromCollector')}>
          <span aria-hidden="true">◆ </span>
          <span class="sr-only">{tr('tags.fromCollector')}: </span>
          {`${k}=${v}`}
        </span>
      ))}
    </span>
  );
}

/** The value a group counts for a key: the collector's, else the agent's. */
export function tagValue(row: Pick<DeviceRow, 'tags' | 'adminTags'>, key: string): { value: string; source: 'agent' | 'collector' } | null {
  const assigned = row.adminTags?.[key];
  if (assigned !== undefined) return { value: assigned, source: 'collector' };
  const own = row.tags[key];
  return own === undefined ? null : { value: own, source: 'agent' };
}

export function useTagCatalogue() {
  return useResource(api.tags, []);
}

/** `key=value` of every known tag, for the filter's dropdown. */
export function filterSuggestions(catalogue: TagCatalogue): string[] {
  return catalogue.keys.flatMap(({ key, agent, collector }) => [...new Set([...agent, ...collector])].map((v) => `${key}=${v}`));
}

type Result = { kind: 'done'; changed: number; matched: number } | { kind: 'failed'; message: string } | null;

/**
 * Sets or removes one collector tag on the selected PCs, or on every PC the current filter matches.
 * Known keys and values are offered as dropdown suggestions; a new key or value can be typed.
 */
export function TagAssign({ query, selected, total, catalogue, done }: {
  query: DeviceQuery;
  selected: readonly string[];
  total: number;
  catalogue: TagCatalogue;
  done: () => void;
}) {
  const { lang, tr, sessionEnded } = useApp();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [result, setResult] = useState<Result>(null);
  const [busy, setBusy] = useState(false);
  const known = catalogue.keys.find((k) => k.key === key.trim());
  const values = known ? [...new Set([...known.collector, ...known.agent])] : [];

  const run = async (target: 'selection' | 'filter', remove: boolean) => {
    setBusy(true);
    try {
      const answer = await api.assignTag({
        key: key.trim(),
        value: remove ? null : value.trim(),
        ...(target === 'selection' ? { deviceIds: [...selected] } : { filter: deviceQueryParams(query, false).toString() }),
      });
      setResult({ kind: 'done', ...answer });
      done();
    } catch (error) {
      if (error instanceof Unauthorized) return sessionEnded();
      setResult({ kind: 'failed', message: error instanceof ApiError ? error.message : tr('common.unreachable') });
    } finally {
      setBusy(false);
    }
  };
  const keyOk = key.trim() !== '' && !key.includes('=');
  const canSet = keyOk && value.trim() !== '' && !busy;
  return (
    <form class="tag-assign" aria-labelledby="tag-assign-title" data-tag-assign onSubmit={(e) => e.preventDefault()}>
      <h2 id="tag-assign-title">{tr('tags.assignTitle')}</h2>
      <p class="muted legend">{tr('tags.legend')}</p>
      <label>
        {tr('tags.key')}
        <input name="tag-key" list="tag-keys" maxLength={64} value={key} onInput={(e) => setKey(e.currentTarget.value)} placeholder="site" />
      </label>
      <datalist id="tag-keys">
        {catalogue.keys.map((k) => (
          <option key={k.key} value={k.key} />
        ))}
      </datalist>
      <label>
        {tr('tags.value')}
        <input name="tag-value" list="tag-key-values" maxLength={128} value={value} onInput={(e) => setValue(e.currentTarget.value)} />
      </label>
      <datalist id="tag-key-values">
        {values.map((v) => (
          <option key={v} value={v} />
        ))}
      </datalist>
      <div class="buttons">
        <button type="button" class="primary" disabled={!canSet || selected.length === 0} onClick={() => void run('selection', false)} data-assign="selection">
          {tr('tags.setSelected', { count: formatNumber(lang, selected.length) })}
        </button>
        <button type="button" disabled={!canSet || total === 0} onClick={() => void run('filter', false)} data-assign="filter">
          {tr('tags.setFiltered', { count: formatNumber(lang, total) })}
        </button>
        <button type="button" disabled={!keyOk || busy || selected.length === 0} onClick={() => void run('selection', true)} data-assign="remove">
          {tr('tags.removeSelected', { count: formatNumber(lang, selected.length) })}
        </button>
      </div>
      <p role="status" data-tag-result={result?.kind ?? 'none'}>
        {result?.kind === 'done' && tr('tags.done', { changed: formatNumber(lang, result.changed), matched: formatNumber(lang, result.matched) })}
        {result?.kind === 'failed' && tr('tags.failed', { message: result.message })}
      </p>
    </form>
  );
}
