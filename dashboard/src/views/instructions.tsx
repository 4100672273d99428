// Instruction sheets to send to users: one user's, or one per user of a wave, in Japanese or English
// whatever the dashboard's language. A print view (app.css @media print: only the sheets, one per page)
// and a plain-text copy for mail or chat. Addresses in a sheet are links, commands code (rich-text.tsx).
import { useState } from 'preact/hooks';
import type { InstructionSheet } from '../../../protocol/api.ts';
import type { Lang } from '../../../protocol/report.ts';
import { api } from '../api.ts';
import { LanguageSelect, Loaded } from '../components.tsx';
import { useApp, useResource } from '../context.ts';
import { formatHash } from '../route.ts';
import { RichText } from '../rich-text.tsx';

type Target = { user: string } | { wave: string };

export function Instructions({ target, sheetLang }: { target: Target; sheetLang: Lang }) {
  const { tr } = useApp();
  const key = 'user' in target ? `user:${target.user}` : `wave:${target.wave}`;
  const { resource, reload } = useResource(
    () =>
      'user' in target
        ? api.userInstructions(target.user, sheetLang).then((sheet) => ({ title: sheet.user, sheets: [sheet], done: [] as string[] }))
        : api.waveInstructions(target.wave, sheetLang).then((w) => ({ title: w.wave.name, sheets: w.sheets, done: w.done })),
    [key, sheetLang],
  );
  return (
    <main id="main" tabIndex={-1} class="instructions">
      <h1 class="no-print">{tr('instructions.title')}</h1>
      <Loaded resource={resource} retry={reload}>
        {({ title, sheets, done }) => (
          <>
            <Toolbar target={target} sheetLang={sheetLang} text={sheets.map((s) => s.text).join('\n----------\n\n')} title={title} />
            {done.length > 0 && <p class="muted no-print" data-done-users>{tr('instructions.doneUsers', { users: done.join(', ') })}</p>}
            {sheets.length === 0 && <p class="no-print">{tr('instructions.none')}</p>}
            {sheets.map((sheet) => (
              <Sheet key={sheet.user} sheet={sheet} />
            ))}
          </>
        )}
      </Loaded>
    </main>
  );
}

function Toolbar({ target, sheetLang, text, title }: { target: Target; sheetLang: Lang; text: string; title: string }) {
  const { tr } = useApp();
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('copied');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <div class="sheet-toolbar no-print" role="group" aria-label={tr('instructions.actions', { title })}>
      <label>
        {tr('instructions.language')}{' '}
        <LanguageSelect name="sheet-lang" value={sheetLang} onChange={(lang) => (location.hash = formatHash({ view: 'instructions', target, lang }))} />
      </label>
      <button type="button" class="primary" onClick={() => print()}>
        {tr('instructions.print')}
      </button>
      <button type="button" onClick={() => void copy()} data-copy>
        {tr('instructions.copy')}
      </button>
      <span role="status" data-copied={copied}>
        {copied === 'copied' && tr('instructions.copied')}
      </span>
      {copied === 'failed' && (
        <label class="copy-fallback">
          {tr('instructions.copyFallback')}
          <textarea readOnly rows={8} value={text} onFocus={(e) => e.currentTarget.select()} />
        </label>
      )}
    </div>
  );
}

function Sheet({ sheet }: { sheet: InstructionSheet }) {
  const [title, ...intro] = sheet.header;
  return (
    <article class="sheet" lang={sheet.lang} data-sheet={sheet.user}>
      <h2>{title}</h2>
      {intro.map((line, i) => (
        <p key={i} class="sheet-for">
          {line}
        </p>
      ))}
      <ol class="sheet-steps">
        {sheet.steps.map((step) => (
          <li key={step.kind} data-step={step.kind} data-guide-step={step.guideStep}>
            <h3>{step.title}</h3>
            {step.lines.map((line, i) => (
              <p key={i}>
                <RichText text={line} />
              </p>
            ))}
          </li>
        ))}
      </ol>
      {sheet.notes.map((note, i) => (
        <p key={i} class="sheet-note" data-note>
          {note}
        </p>
      ))}
      {sheet.footer.map((line, i) => (
        <p key={i} class="sheet-help">
          {line}
        </p>
      ))}
    </article>
  );
}
