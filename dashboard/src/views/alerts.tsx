// Alert webhooks on the settings page (admins): add one (generic JSON, Teams or Slack; which alerts;
// the offline threshold; its language), test it at once, delete it, and the log of every delivery with
// its attempts and the receiver's last answer.
import { useState } from 'preact/hooks';
import { ALERT_RULES, WEBHOOK_FORMATS, type AlertRule, type DeliveryRecord, type WebhookInput } from '../../../protocol/api.ts';
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
                <li key={hook.id} data-webhook={hook.name}>
                  <strong>{hook.name}</strong> <span class="muted">{`${hook.format} · ${hook.lang} · ${hook.urlShown}`}</span>
                  <br />
                  {hook.rules.map((r) => tr(RULE_TEXT[r], { days: hook.offlineDays })).join(', ')}
                  {!hook.enabled && ` · ${tr('alerts.disabled')}`}
                  <div class="buttons">
                    <button
                      type="button"
                      data-test-webhook
                      onClick={() =>
                        void act(async () => {
                          const result = await api.testWebhook(hook.id);
                          return tr('alerts.tested', { state: tr(STATE_TEXT[result.state]), result: result.lastResult ?? '' });
                        })
                      }
                    >
                      {tr('alerts.test')}
                    </button>
                    <button type="button" onClick={() => void act(async () => (await api.deleteWebhook(hook.id), null))}>
                      {tr('alerts.delete')}
                    </button>
                  </div>
                </li>
              ))}
            </ul>
            <AddWebhook save={(input) => void act(async () => (await api.saveWebhook(input), null))} />
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
                        <td>{d.lastResult ?? ''}</td>
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

function AddWebhook({ save }: { save: (input: WebhookInput) => void }) {
  const { tr, lang: uiLang } = useApp();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [format, setFormat] = useState<WebhookInput['format']>('teams');
  const [lang, setLang] = useState<Lang>(uiLang);
  const [rules, setRules] = useState<readonly AlertRule[]>(ALERT_RULES);
  const [days, setDays] = useState(7);
  return (
    <details class="add-webhook" data-add-webhook>
      <summary>{tr('alerts.add')}</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save({ name: name.trim(), url: url.trim(), format, lang, rules: [...rules], offlineDays: days, enabled: true });
        }}
      >
        <label>
          {tr('alerts.name')}
          <input name="webhook-name" required maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          {tr('alerts.url')}
          <input name="webhook-url" type="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
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
      </form>
    </details>
  );
}
