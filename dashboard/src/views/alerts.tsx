// Alert webhooks on the settings page (admins): add one (generic JSON, Teams or Slack; which alerts;
// the offline threshold; its language), test it at once, change it (its URL kept unless a new one is
// typed: the page never gets it back), disable and enable it, delete it after a confirmation, and the
// log of every delivery with its attempts and the receiver's last answer.
import { useState } from 'preact/hooks';
import { ALERT_RULES, NOT_SENT, WEBHOOK_FORMATS, type AlertRule, type DeliveryRecord, type WebhookInfo, type WebhookInput } from '../../../protocol/api.ts';
import { LANGS, type Lang } from '../../../protocol/report.ts';
import { api, ApiError, Unauthorized } from '../api.ts';
import { Loaded, WhenExact } from '../components.tsx';
import { useApp, useResource } from '../context.ts';
import type { UiKey } from '../i18n/index.ts';

const RULE_TEXT: Readonly<Record<AlertRule | 'test', UiKey>> = {
  regression: 'alerts.rule.regression',
  overdue: 'alerts.rule.overdue',
  offline: 'alerts.rule.offline',
  test: 'alerts.rule.test',
};
const STATE_TEXT: Readonly<Record<DeliveryRecord['state'], UiKey>> = { pending: 'alerts.state.pending', delivered: 'alerts.state.delivered', failed: 'alerts.state.failed' };
const NOT_SENT_TEXT: Readonly<Record<keyof typeof NOT_SENT, UiKey>> = { disabled: 'alerts.notSent.disabled', deleted: 'alerts.notSent.deleted' };

/** The receiver's last answer as sent (an HTTP status, a network error), or why nothing was sent, in the page's language. */
function lastResultText(result: string | null, tr: ReturnType<typeof useApp>['tr']): string {
  const why = (Object.keys(NOT_SENT) as (keyof typeof NOT_SENT)[]).find((k) => NOT_SENT[k] === result);
  return why ? tr(NOT_SENT_TEXT[why]) : (result ?? '');
}

/** A shown webhook as the change that keeps everything (and its stored URL) but `change`. */
function changeOf(hook: WebhookInfo, change: Partial<WebhookInput>): WebhookInput {
  const { urlShown: _shown, ...kept } = hook;
  return { ...kept, ...change };
}

export function AlertsPanel() {
  const { tr, sessionEnded } = useApp();
  const { resource, reload } = useResource(api.webhooks, []);
  const [message, setMessage] = useState<string | null>(null);
  const act = async (action: () => Promise<string | null>) => {
    try {
      setMessage(await action());
      reload();
    } catch (error) {
      if (error instanceof Unauthorized) return sessionEnded();
      setMessage(error instanceof ApiError ? error.message : tr('common.unreachable'));
    }
  };
  return (
    <section class="panel" aria-labelledby="alerts-title" data-alerts>
      <h2 id="alerts-title">{tr('alerts.title')}</h2>
      <p class="muted">{tr('alerts.hint')}</p>
      <p role="status" data-alert-status>
        {message}
      </p>
      <Loaded resource={resource} retry={reload}>
        {({ webhooks, deliveries }) => (
          <>
            {webhooks.length === 0 && <p class="muted">{tr('alerts.none')}</p>}
            <ul class="webhooks">
              {webhooks.map((hook) => (
                <Webhook key={hook.id} hook={hook} act={act} />
              ))}
            </ul>
            <details data-add-webhook>
              <summary>{tr('alerts.add')}</summary>
              <WebhookForm save={(input) => void act(async () => (await api.saveWebhook(input), null))} />
            </details>
            <h3>{tr('alerts.log')}</h3>
            <button type="button" onClick={reload}>
              {tr('settings.refresh')}
            </button>
            {deliveries.length === 0 ? (
              <p class="muted">{tr('alerts.logEmpty')}</p>
            ) : (
              <div class="table-scroll">
                <table class="deliveries">
                  <thead>
                    <tr>
                      <th scope="col">{tr('settings.auditAt')}</th>
                      <th scope="col">{tr('alerts.webhook')}</th>
                      <th scope="col">{tr('alerts.alert')}</th>
                      <th scope="col">{tr('alerts.stateCol')}</th>
                      <th scope="col" class="num">{tr('alerts.attempts')}</th>
                      <th scope="col">{tr('alerts.lastResult')}</th>
                      <th scope="col">{tr('alerts.nextAt')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {deliveries.map((d) => (
                      <tr key={d.id} data-delivery={d.rule} data-state={d.state}>
                        <td>
                          <WhenExact at={d.createdAt} />
                        </td>
                        <td>{d.webhookName}</td>
                        <td>
                          {tr(RULE_TEXT[d.rule], { days: '' })}: {d.title}
                        </td>
                        <td>{tr(STATE_TEXT[d.state])}</td>
                        <td class="num">{d.attempts}</td>
                        <td>{lastResultText(d.lastResult, tr)}</td>
                        <td>{d.nextAt === null ? '' : <WhenExact at={d.nextAt} />}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}

/** One webhook: what it sends where, and its buttons; editing swaps in the form, deleting asks first. */
function Webhook({ hook, act }: { hook: WebhookInfo; act: (action: () => Promise<string | null>) => Promise<void> }) {
  const { tr } = useApp();
  const [mode, setMode] = useState<'show' | 'edit' | 'delete'>('show');
  const save = (change: Partial<WebhookInput>, done: string | null) =>
    void act(async () => {
      await api.saveWebhook(changeOf(hook, change));
      setMode('show');
      return done;
    });
  return (
    <li data-webhook={hook.name} data-enabled={hook.enabled}>
      <strong>{hook.name}</strong> <span class="muted">{`${tr(`alerts.format.${hook.format}`)} · ${hook.lang} · ${hook.urlShown}`}</span>{' '}
      <span class={`badge ${hook.enabled ? 'status-pass' : 'status-skip'}`} data-webhook-state>
        {tr(hook.enabled ? 'alerts.enabled' : 'alerts.disabled')}
      </span>
      <br />
      {hook.rules.map((r) => tr(RULE_TEXT[r], { days: hook.offlineDays })).join(', ')}
      {mode === 'edit' ? (
        <WebhookForm initial={hook} save={(input) => save(input, tr('alerts.saved', { name: hook.name }))} cancel={() => setMode('show')} />
      ) : mode === 'delete' ? (
        <div class="buttons" role="group" aria-label={tr('alerts.confirmDelete', { name: hook.name })} data-confirm-delete>
          <span>{tr('alerts.confirmDelete', { name: hook.name })}</span>
          <button type="button" class="danger" onClick={() => void act(async () => (await api.deleteWebhook(hook.id), tr('alerts.deleted', { name: hook.name })))}>
            {tr('alerts.deleteYes')}
          </button>
          <button type="button" onClick={() => setMode('show')}>
            {tr('alerts.cancel')}
          </button>
        </div>
      ) : (
        <div class="buttons">
          <button
            type="button"
            data-test-webhook
            onClick={() =>
              void act(async () => {
                const result = await api.testWebhook(hook.id);
                return tr('alerts.tested', { state: tr(STATE_TEXT[result.state]), result: lastResultText(result.lastResult, tr) });
              })
            }
          >
            {tr('alerts.test')}
          </button>
          <button type="button" onClick={() => setMode('edit')}>
            {tr('alerts.edit')}
          </button>
          <button type="button" onClick={() => save({ enabled: !hook.enabled }, tr(hook.enabled ? 'alerts.turnedOff' : 'alerts.turnedOn', { name: hook.name }))}>
            {tr(hook.enabled ? 'alerts.disable' : 'alerts.enable')}
          </button>
          <button type="button" onClick={() => setMode('delete')}>
            {tr('alerts.delete')}
          </button>
        </div>
      )}
    </li>
  );
}

/**
 * A webhook's settings: empty for a new one, or a shown one's to change — whose URL field starts empty
 * and, left so, keeps the stored URL.
 */
function WebhookForm({ initial, save, cancel }: { initial?: WebhookInfo; save: (input: WebhookInput) => void; cancel?: () => void }) {
  const { tr, lang: uiLang } = useApp();
  const [name, setName] = useState(initial?.name ?? '');
  const [url, setUrl] = useState('');
  const [format, setFormat] = useState<WebhookInput['format']>(initial?.format ?? 'teams');
  const [lang, setLang] = useState<Lang>(initial?.lang ?? uiLang);
  const [rules, setRules] = useState<readonly AlertRule[]>(initial?.rules ?? ALERT_RULES);
  const [days, setDays] = useState(initial?.offlineDays ?? 7);
  return (
    <form
      class="webhook-form"
      data-webhook-form
      onSubmit={(e) => {
        e.preventDefault();
        const typed = url.trim();
        save({ ...(initial && { id: initial.id }), name: name.trim(), ...(typed !== '' && { url: typed }), format, lang, rules: [...rules], offlineDays: days, enabled: initial?.enabled ?? true });
      }}
    >
      <label>
        {tr('alerts.name')}
        <input name="webhook-name" required maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        {tr('alerts.url')}
        <input
          name="webhook-url"
          type="url"
          required={!initial}
          placeholder={initial && tr('alerts.urlKept', { url: initial.urlShown })}
          value={url}
          onInput={(e) => setUrl(e.currentTarget.value)}
        />
      </label>
      <label>
        {tr('alerts.format')}
        <select name="webhook-format" value={format} onChange={(e) => setFormat(WEBHOOK_FORMATS.find((f) => f === e.currentTarget.value) ?? 'json')}>
          {WEBHOOK_FORMATS.map((f) => (
            <option key={f} value={f}>
              {tr(`alerts.format.${f}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {tr('alerts.lang')}
        <select name="webhook-lang" value={lang} onChange={(e) => setLang(LANGS.find((l) => l === e.currentTarget.value) ?? 'en')}>
          {LANGS.map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <fieldset>
        <legend>{tr('alerts.rules')}</legend>
        {ALERT_RULES.map((rule) => (
          <label key={rule} class="inline">
            <input
              type="checkbox"
              name={`webhook-rule-${rule}`}
              checked={rules.includes(rule)}
              onChange={(e) => setRules(ALERT_RULES.filter((r) => (r === rule ? e.currentTarget.checked : rules.includes(r))))}
            />
            {tr(RULE_TEXT[rule], { days })}
          </label>
        ))}
      </fieldset>
      <label>
        {tr('alerts.days')}
        <input name="webhook-days" type="number" min={1} max={365} value={days} onInput={(e) => setDays(Number(e.currentTarget.value) || 1)} />
      </label>
      <button type="submit" class="primary">
        {tr('alerts.save')}
      </button>
      {cancel && (
        <button type="button" onClick={cancel}>
          {tr('alerts.cancel')}
        </button>
      )}
    </form>
  );
}
