// English texts of the alerts sent to webhooks (collector/alerts/). Spread into en.ts; every key must
// exist in alerts.ja.ts.
export const alertsEn = {
  'alert.regression.title': '{host} is no longer ready',
  'alert.regression.text': '{host} ({user}) could sign in with its ATKey and no longer can: {checks}.',
  'alert.overdue.title': '{host} is not ready after the wave date',
  'alert.overdue.text': '{host} ({user}) of wave {wave} is still not ready: the target date was {date}. Blocking: {checks}.',
  'alert.offline.title': '{host} has been offline for {days} days',
  'alert.offline.text': '{host} ({user}) was last seen {lastSeen}: its readiness is not being checked.',
  'alert.test.title': 'KeyReady test alert',
  'alert.test.text': 'This webhook receives KeyReady alerts ({rules}).',
  'alert.none': 'none',
} as const;
