// An alert as each kind of webhook wants it: a generic JSON document, a Microsoft Teams message (an
// Adaptive Card, as Teams Workflows' "post to a channel when a webhook request is received" takes it),
// or a Slack incoming-webhook message. Texts in the webhook's language.
import type { AlertRule, WebhookInput } from '../../protocol/api.ts';
import { t } from '../../protocol/i18n/index.ts';
import type { Lang } from '../../protocol/report.ts';
import type { AlertEvent } from './rules.ts';

export interface AlertMessage {
  rule: AlertRule | 'test';
  title: string;
  text: string;
}

function checkList(lang: Lang, event: AlertEvent): string {
  return event.checks.length === 0 ? t(lang, 'alert.none') : event.checks.map((id) => t(lang, `check.${id}.title`)).join(lang === 'ja' ? '、' : ', ');
}

export function alertMessage(lang: Lang, event: AlertEvent): AlertMessage {
  const params = {
    host: event.hostname,
    user: event.user ?? '—',
    checks: checkList(lang, event),
    wave: event.wave?.name ?? '',
    date: event.wave?.targetDate ?? '',
    days: event.offline?.days ?? 0,
    lastSeen: event.offline?.lastSeen ?? '',
  };
  return { rule: event.rule, title: t(lang, `alert.${event.rule}.title`, params), text: t(lang, `alert.${event.rule}.text`, params) };
}

export function testMessage(lang: Lang, rules: readonly AlertRule[]): AlertMessage {
  return { rule: 'test', title: t(lang, 'alert.test.title'), text: t(lang, 'alert.test.text', { rules: rules.join(', ') }) };
}

/** The request body for this webhook's format. */
export function payload(format: WebhookInput['format'], message: AlertMessage, event: AlertEvent | null): unknown {
  switch (format) {
    case 'json':
      return {
        source: 'keyready',
        rule: message.rule,
        title: message.title,
        text: message.text,
        ...(event && {
          eventId: event.id,
          at: new Date(event.at).toISOString(),
          device: { id: event.deviceId, hostname: event.hostname, user: event.user },
          checks: event.checks,
          wave: event.wave,
          offline: event.offline,
        }),
      };
    case 'teams':
      return {
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            content: {
              $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
              type: 'AdaptiveCard',
              version: '1.4',
              body: [
                { type: 'TextBlock', text: message.title, weight: 'Bolder', size: 'Medium', wrap: true },
                { type: 'TextBlock', text: message.text, wrap: true },
              ],
            },
          },
        ],
      };
    case 'slack':
      return {
        text: `${message.title}: ${message.text}`,
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: message.title.slice(0, 150) } },
          { type: 'section', text: { type: 'plain_text', text: message.text } },
        ],
      };
  }
}
