// Small pieces every view uses. Device-supplied strings are only ever passed as JSX children or
// attribute values, which preact sets as text: nothing here (or anywhere) builds HTML from data.
import type { ComponentChildren } from 'preact';
import type { CheckStatus } from '../../protocol/checks.ts';
import { LANGS, type Lang, type Layers, type Readiness } from '../../protocol/report.ts';
import { LAYER_NAMES } from '../../protocol/readiness.ts';
import { t } from '../../protocol/i18n/index.ts';
import { formatClock, formatDateTime, formatRelative } from './i18n/format.ts';
import { useApp, type Resource } from './context.ts';

const LANG_NAMES: Record<Lang, string> = { en: 'English', ja: '日本語' };

/** A choice of English or Japanese, each named in its own language. */
export function LanguageSelect({ name, value, onChange }: { name: string; value: Lang; onChange: (lang: Lang) => void }) {
  return (
    <select
      name={name}
      value={value}
      onChange={(e) => {
        const lang = LANGS.find((l) => l === e.currentTarget.value);
        if (lang) onChange(lang);
      }}
    >
      {LANGS.map((l) => (
        <option key={l} value={l} lang={l}>
          {LANG_NAMES[l]}
        </option>
      ))}
    </select>
  );
}

export function ReadinessBadge({ readiness }: { readiness: Readiness }) {
  const { lang } = useApp();
  return <span class={`badge readiness-${readiness}`}>{t(lang, `readiness.${readiness}`)}</span>;
}

const LAYER_MARKS: Readonly<Record<Readiness, string>> = { ready: '✓', 'not-ready': '✗', unknown: '?' };

/**
 * The three layers side by side, so the one holding a PC back stands out. `compact` (a list row)
 * marks each state with a symbol beside its colour, the full words in the tooltip and for screen readers.
 */
export function LayerBadges({ layers, compact = false }: { layers: Layers; compact?: boolean }) {
  const { lang, tr } = useApp();
  return (
    <span class="layers">
      {LAYER_NAMES.map((layer) => {
        const label = tr('layer.label', { layer: tr(`layer.${layer}`), state: t(lang, `readiness.${layers[layer]}`) });
        return (
          <span key={layer} class={`badge readiness-${layers[layer]}`} data-layer={layer} data-state={layers[layer]} title={compact ? label : undefined}>
            {compact ? (
              <>
                <span aria-hidden="true">{`${tr(`layer.${layer}`)} ${LAYER_MARKS[layers[layer]]}`}</span>
                <span class="sr-only">{label}</span>
              </>
            ) : (
              label
            )}
          </span>
        );
      })}
    </span>
  );
}

export function StatusBadge({ status }: { status: CheckStatus }) {
  const { lang } = useApp();
  return <span class={`badge status-${status}`}>{t(lang, `status.${status}`)}</span>;
}

/**
 * Online; offline with when the PC was last heard from (not when it was marked offline); or, while the
 * dashboard has lost its live connection to the collector, unknown since then — a green "Online"
 * would be a guess.
 */
export function OnlineBadge({ online, lastSeen }: { online: boolean; lastSeen: string }) {
  const { lang, now, tr, liveLostAt } = useApp();
  if (liveLostAt !== null) {
    const since = new Date(liveLostAt).toISOString();
    return (
      <span class="badge presence-unknown" data-presence="unknown" title={formatDateTime(lang, since)}>
        {tr('online.unknownSince', { time: formatClock(lang, since, now) })}
      </span>
    );
  }
  if (online) return <span class="badge online" data-presence="online">{tr('online.true')}</span>;
  return (
    <span class="badge offline" data-presence="offline" title={formatDateTime(lang, lastSeen)}>
      {tr('online.lastSeen', { time: formatClock(lang, lastSeen, now) })}
    </span>
  );
}

/** "3 minutes ago", with the exact time in the tooltip and machine-readable attribute. */
export function When({ at }: { at: string | null }) {
  const { lang, now, tr } = useApp();
  if (at === null) return <span class="muted">{tr('common.never')}</span>;
  return (
    <time dateTime={at} title={formatDateTime(lang, at)}>
      {formatRelative(lang, at, now)}
    </time>
  );
}

/** "3 minutes ago (25 Nov 2026, 12:51:47)": both, where the exact time matters (one PC's page). */
export function WhenExact({ at }: { at: string | null }) {
  const { lang } = useApp();
  return (
    <>
      <When at={at} />
      {at !== null && <span class="muted"> ({formatDateTime(lang, at)})</span>}
    </>
  );
}

/** Shows loading and failure states, and the content once the data is there. */
export function Loaded<T>({ resource, retry, children }: { resource: Resource<T>; retry: () => void; children: (data: T) => ComponentChildren }) {
  const { tr } = useApp();
  if (resource.state === 'loading') return <p class="muted" role="status">{tr('common.loading')}</p>;
  if (resource.state === 'failed') {
    const message = resource.status === null ? tr('common.unreachable') : resource.message;
    return (
      <div class="error" role="alert">
        <p>{tr('common.failed', { message })}</p>
        <button type="button" onClick={retry}>
          {tr('common.retry')}
        </button>
      </div>
    );
  }
  return <>{children(resource.data)}</>;
}
