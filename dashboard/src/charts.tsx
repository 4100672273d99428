// Hand-made SVG charts: the readiness trend (stacked areas per day) and proportion bars. Each chart
// has a text equivalent (a label, a table) so it reads the same with a screen reader.
import type { Summary } from '../../protocol/api.ts';
import { t } from '../../protocol/i18n/index.ts';
import { useApp } from './context.ts';
import { formatDay, formatNumber } from './i18n/format.ts';

type TrendDay = Summary['trend'][number];
const SERIES = [
  { key: 'ready', readiness: 'ready' },
  { key: 'notReady', readiness: 'not-ready' },
  { key: 'unknown', readiness: 'unknown' },
] as const;

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { left: 44, right: 12, top: 10, bottom: 26 };

/** A round axis maximum at or above `value` whose half is a whole number too (the middle grid line). */
export function niceMax(value: number): number {
  if (value <= 2) return 2;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((m) => m * magnitude >= value) ?? 10;
  const max = step * magnitude;
  return max % 2 === 0 ? max : max + 1;
}

export function TrendChart({ trend }: { trend: readonly TrendDay[] }) {
  const { lang, tr } = useApp();
  const first = trend[0];
  const last = trend[trend.length - 1];
  if (!first || !last) return <p class="muted">{tr('overview.trendEmpty')}</p>;

  // One day still draws as a band across the chart rather than a single invisible point.
  const days = trend.length === 1 ? [first, first] : trend;
  const max = niceMax(Math.max(...days.map((d) => d.ready + d.notReady + d.unknown)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (i / (days.length - 1)) * plotW;
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;

  let below = days.map(() => 0);
  const areas = SERIES.map((series) => {
    const above = days.map((d, i) => (below[i] ?? 0) + d[series.key]);
    const top = above.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    const bottom = below.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).reverse();
    below = above;
    return <polygon key={series.key} class={`area readiness-${series.readiness}`} points={[...top, ...bottom].join(' ')} />;
  });
  const label = tr('overview.trendLabel', { from: formatDay(lang, first.day), to: formatDay(lang, last.day) });
  const ticks = [0, max / 2, max];
  const xLabels = trend.length === 1 ? [{ i: 0, day: first.day, anchor: 'start' }] : [
    { i: 0, day: first.day, anchor: 'start' },
    { i: days.length - 1, day: last.day, anchor: 'end' },
  ];

  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label} preserveAspectRatio="xMidYMid meet">
        {ticks.map((v) => (
          <g key={v}>
            <line class="grid" x1={PAD.left} x2={WIDTH - PAD.right} y1={y(v)} y2={y(v)} />
            <text class="axis" x={PAD.left - 6} y={y(v) + 4} text-anchor="end">
              {formatNumber(lang, v)}
            </text>
          </g>
        ))}
        {areas}
        {xLabels.map(({ i, day, anchor }) => (
          <text key={day + anchor} class="axis" x={x(i)} y={HEIGHT - 6} text-anchor={anchor}>
            {formatDay(lang, day)}
          </text>
        ))}
      </svg>
      <figcaption class="legend">
        {SERIES.map((series) => (
          <span key={series.key}>
            <span class={`swatch readiness-${series.readiness}`} aria-hidden="true" /> {t(lang, `readiness.${series.readiness}`)}
          </span>
        ))}
      </figcaption>
      <DayTable columns={SERIES.map((s) => t(lang, `readiness.${s.readiness}`))} rows={trend.map((d) => ({ day: d.day, cells: SERIES.map((s) => formatNumber(lang, d[s.key])) }))} />
    </figure>
  );
}

/** A day-by-day chart's figures as a table, folded under the chart (for screen readers and exact numbers). */
export function DayTable({ columns, rows }: { columns: readonly string[]; rows: readonly { day: string; cells: readonly string[] }[] }) {
  const { tr } = useApp();
  return (
    <details>
      <summary>{tr('overview.showTable')}</summary>
      <table class="compact">
        <thead>
          <tr>
            <th scope="col">{tr('overview.day')}</th>
            {columns.map((c) => (
              <th scope="col" key={c} class="num">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.day}>
              <th scope="row">{r.day}</th>
              {r.cells.map((c, i) => (
                <td key={i} class="num">
                  {c}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** A horizontal bar made of parts (e.g. enrolled / not enrolled), scaled against `max`. */
export function Bar({ parts, max }: { parts: readonly { value: number; className: string }[]; max: number }) {
  let offset = 0;
  return (
    <svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
      <rect class="track" x="0" y="0" width="100" height="10" />
      {parts.map((part) => {
        const width = max > 0 ? (part.value / max) * 100 : 0;
        const rect = <rect key={part.className} class={part.className} x={offset} y="0" width={width} height="10" />;
        offset += width;
        return rect;
      })}
    </svg>
  );
}
