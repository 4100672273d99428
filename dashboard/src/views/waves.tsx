// Cutover waves on the overview: for each, how many of its PCs can sign in today, that share day by
// day against the target date (a chart, with its numbers), and what still blocks it. Admins add and
// remove waves here (a tag, or a list of users; a target date).
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { WaveInput, WaveStatus } from '../../../protocol/api.ts';
import { api, ApiError, Unauthorized } from '../api.ts';
import { Loaded } from '../components.tsx';
import { DayTable } from '../charts.tsx';
import { useApp, useLive, useResource } from '../context.ts';
import { checkTitle } from '../i18n/index.ts';
import { formatDay, formatNumber } from '../i18n/format.ts';
import { coalesce } from '../live.ts';
import { devicesHash, formatHash } from '../route.ts';
import { filterSuggestions, useTagCatalogue } from './tags.tsx';

const DAY_MS = 86_400_000;
const REFRESH_MS = 2_000;

export function WavesPanel() {
  const { tr, role } = useApp();
  const { resource, reload } = useResource(api.waves, []);
  const refresh = useMemo(() => coalesce(reload, REFRESH_MS), [reload]);
  useEffect(() => refresh.cancel, [refresh]);
  useLive((message) => {
    if (message.type !== 'recheck') refresh.trigger();
  });
  return (
    <section class="panel" aria-labelledby="waves-title" data-waves>
      <h2 id="waves-title">{tr('waves.title')}</h2>
      <Loaded resource={resource} retry={reload}>
        {({ waves }) => (
          <>
            {waves.length === 0 && <p class="muted">{tr('waves.none')}</p>}
            <div class="waves">
              {waves.map((wave) => (
                <Wave key={wave.id} wave={wave} changed={reload} />
              ))}
            </div>
          </>
        )}
      </Loaded>
      {role === 'admin' && <AddWave added={reload} />}
    </section>
  );
}

function daysBetween(from: number, toDay: string): number {
  return Math.round((Date.parse(`${toDay}T00:00:00Z`) - Date.UTC(new Date(from).getUTCFullYear(), new Date(from).getUTCMonth(), new Date(from).getUTCDate())) / DAY_MS);
}

function Wave({ wave, changed }: { wave: WaveStatus; changed: () => void }) {
  const { lang, tr, now, role, sessionEnded } = useApp();
  const percent = wave.total > 0 ? Math.round((wave.ready / wave.total) * 100) : 0;
  const left = daysBetween(now, wave.targetDate);
  const due = wave.overdue
    ? tr('waves.overdue', { days: formatNumber(lang, -left) })
    : wave.ready === wave.total && wave.total > 0
      ? tr('waves.done')
      : tr('waves.daysLeft', { days: formatNumber(lang, Math.max(0, left)) });
  const filter = wave.members.kind === 'tag' ? { tag: wave.members.tag } : null;
  const remove = async () => {
    try {
      await api.deleteWave(wave.id);
      changed();
    } catch (error) {
      if (error instanceof Unauthorized) sessionEnded();
    }
  };
  return (
    <article class={`wave${wave.overdue ? ' overdue' : ''}`} data-wave={wave.name}>
      <h3>{wave.name}</h3>
      <p class="muted">
        {wave.members.kind === 'tag' ? tr('waves.byTag', { tag: wave.members.tag }) : tr('waves.byUsers', { count: formatNumber(lang, wave.members.users.length) })}
        {' · '}
        {tr('waves.target', { date: formatDay(lang, wave.targetDate) })} <span data-due>{due}</span>
      </p>
      <p class="lead" data-wave-share>
        {tr('waves.share', { percent, ready: formatNumber(lang, wave.ready), total: formatNumber(lang, wave.total) })}
      </p>
      <WaveChart wave={wave} />
      {wave.blocking.length > 0 && (
        <>
          <h4>{tr('waves.blocking')}</h4>
          <ul class="wave-blocking">
            {wave.blocking.slice(0, 5).map((b) => (
              <li key={b.id} data-check={b.id}>
                {filter ? <a href={devicesHash({ ...filter, check: b.id })}>{checkTitle(lang, b.id)}</a> : checkTitle(lang, b.id)}: {formatNumber(lang, b.count)}
              </li>
            ))}
          </ul>
        </>
      )}
      <p>
        <a href={formatHash({ view: 'instructions', target: { wave: wave.id }, lang: null })} data-instructions-link>
          {tr('instructions.forWave')}
        </a>
      </p>
      {role === 'admin' && (
        <button type="button" class="link" onClick={() => void remove()}>
          {tr('waves.delete')}
        </button>
      )}
    </article>
  );
}

const W = 480;
const H = 160;
const PAD = { left: 36, right: 12, top: 10, bottom: 24 };

/** The share ready per day (a line) from the first day recorded to the target date (a dashed line at 100 %). */
function WaveChart({ wave }: { wave: WaveStatus }) {
  const { lang, tr } = useApp();
  const first = wave.series[0];
  const last = wave.series[wave.series.length - 1];
  if (!first || !last) return null;
  const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
  const dayText = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);
  // From the earlier of the first day recorded and the target (an overdue wave), to the later of today and the target.
  const start = Math.min(dayNumber(first.day), dayNumber(wave.targetDate));
  const end = Math.max(dayNumber(wave.targetDate), dayNumber(last.day), start + 1);
  const x = (day: string) => PAD.left + ((dayNumber(day) - start) / (end - start)) * (W - PAD.left - PAD.right);
  const y = (share: number) => PAD.top + (1 - share) * (H - PAD.top - PAD.bottom);
  const share = (ready: number) => (wave.total > 0 ? ready / wave.total : 0);
  const points = wave.series.map((d) => `${x(d.day).toFixed(1)},${y(share(d.ready)).toFixed(1)}`);
  // One day still draws a short level line, not an invisible point.
  if (wave.series.length === 1) points.push(`${(x(first.day) + 4).toFixed(1)},${y(share(first.ready)).toFixed(1)}`);
  const label = tr('waves.chartLabel', { name: wave.name, from: formatDay(lang, first.day), target: formatDay(lang, wave.targetDate) });
  const targetX = x(wave.targetDate);
  return (
    <figure class="chart wave-chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
        {[0, 0.5, 1].map((v) => (
          <g key={v}>
            <line class="grid" x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} />
            <text class="axis" x={PAD.left - 4} y={y(v) + 4} text-anchor="end">{`${v * 100}%`}</text>
          </g>
        ))}
        <line class="target" x1={targetX} x2={targetX} y1={PAD.top} y2={H - PAD.bottom} data-target-line />
        <circle class="target-point" cx={targetX} cy={y(1)} r="4" />
        <polyline class={`share${wave.overdue ? ' overdue' : ''}`} points={points.join(' ')} data-share-line />
        <text class="axis" x={PAD.left} y={H - 6} text-anchor="start">
          {formatDay(lang, dayText(start))}
        </text>
        <text class="axis" x={W - PAD.right} y={H - 6} text-anchor="end">
          {formatDay(lang, dayText(end))}
        </text>
        <text class="axis target-label" x={targetX - 4} y={PAD.top + 24} text-anchor={targetX > W / 2 ? 'end' : 'start'} dx={targetX > W / 2 ? 0 : 8}>
          {tr('waves.targetShort', { date: formatDay(lang, wave.targetDate) })}
        </text>
      </svg>
      <DayTable columns={[tr('waves.readyPcs')]} rows={wave.series.map((d) => ({ day: d.day, cells: [`${formatNumber(lang, d.ready)} / ${formatNumber(lang, wave.total)}`] }))} />
    </figure>
  );
}

function AddWave({ added }: { added: () => void }) {
  const { tr, sessionEnded } = useApp();
  const { resource: catalogue } = useTagCatalogue();
  const [name, setName] = useState('');
  const [date, setDate] = useState('');
  const [kind, setKind] = useState<'tag' | 'users'>('tag');
  const [tag, setTag] = useState('');
  const [users, setUsers] = useState('');
  const [error, setError] = useState<string | null>(null);
  const tags = catalogue.state === 'ready' ? filterSuggestions(catalogue.data) : [];
  const submit = async () => {
    const members: WaveInput['members'] =
      kind === 'tag' ? { kind: 'tag', tag } : { kind: 'users', users: users.split(/[\s,;]+/).filter((u) => u !== '') };
    try {
      await api.saveWave({ name: name.trim(), targetDate: date, members });
      setError(null);
      setName('');
      added();
    } catch (e) {
      if (e instanceof Unauthorized) return sessionEnded();
      setError(e instanceof ApiError ? e.message : tr('common.unreachable'));
    }
  };
  return (
    <details class="add-wave" data-add-wave>
      <summary>{tr('waves.add')}</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label>
          {tr('waves.name')}
          <input name="wave-name" required maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          {tr('waves.date')}
          <input name="wave-date" type="date" required value={date} onInput={(e) => setDate(e.currentTarget.value)} />
        </label>
        <fieldset>
          <legend>{tr('waves.who')}</legend>
          <label class="inline">
            <input type="radio" name="wave-kind" value="tag" checked={kind === 'tag'} onChange={() => setKind('tag')} /> {tr('waves.whoTag')}
          </label>
          <label class="inline">
            <input type="radio" name="wave-kind" value="users" checked={kind === 'users'} onChange={() => setKind('users')} /> {tr('waves.whoUsers')}
          </label>
        </fieldset>
        {kind === 'tag' ? (
          <label>
            {tr('waves.tag')}
            <select name="wave-tag" required value={tag} onChange={(e) => setTag(e.currentTarget.value)}>
              <option value="" />
              {tags.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <label>
            {tr('waves.users')}
            <textarea name="wave-users" rows={4} value={users} onInput={(e) => setUsers(e.currentTarget.value)} />
          </label>
        )}
        <button type="submit" class="primary">
          {tr('waves.save')}
        </button>
        {error !== null && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </details>
  );
}
