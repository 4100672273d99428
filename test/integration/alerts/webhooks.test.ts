// Alert webhooks against a real SQLite store and a local HTTP receiver, with a fake clock for the
// retry delays: a ready PC that regresses, a PC not ready after its wave's date and a PC offline for
// N days each send one message per change — also with two collectors' monitors on one database —
// in the generic JSON, Teams and Slack formats; a failing receiver is retried with growing delays and
// every attempt is in the delivery log; a disabled webhook is sent nothing, its log saying why.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertMonitor } from '../../../collector/alerts/monitor.ts';
import { listWebhooks, saveWebhook } from '../../../collector/alerts/config.ts';
import { RETRY_DELAYS_MS } from '../../../collector/alerts/deliveries.ts';
import { openStore } from '../../../collector/store/index.ts';
import type { IncomingReport, Store } from '../../../collector/store/types.ts';
import { makeReport, type ReportOptions } from '../../../sim/fleet/reports.ts';
import { memoryLog } from '../../support/memory-log.ts';
import { webhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.ts';
import { t } from '../../../protocol/i18n/index.ts';
import { NOT_SENT } from '../../../protocol/api.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-20T09:00:00Z');

describe('alert webhooks', () => {
  let dir: string;
  let store: Store;
  let peer: Store;
  let hooks: WebhookReceiver<Record<string, unknown>>;
  let clock = T0;
  const now = () => clock;
  let monitor: AlertMonitor;
  let second: AlertMonitor;
  let seq = 0;

  async function report(deviceId: string, options: ReportOptions, at = clock): Promise<void> {
    seq += 1;
    const incoming: IncomingReport = { deviceId, seq, receivedAt: new Date(at), dropped: 0, report: makeReport({ generatedAt: new Date(at), ...options }) };
    await store.storeReports([incoming]);
  }

  let enrolled = 0;
  /** A PC that enrolls and connects now (online: only the offline test takes one away). */
  async function enroll(hostname: string): Promise<string> {
    enrolled += 1;
    const uuid = `4c4c4544-0000-1000-8000-${String(enrolled).padStart(12, '0')}`;
    const { deviceId } = await store.enrollDevice({ hostname, hardware: { uuid, serial: hostname, manufacturer: 'LENOVO', model: '21HD' }, tags: {}, agentVersion: '0.1.0', tokenHash: `h-${hostname}` }, new Date(clock));
    await store.markPresence([{ type: 'connected', deviceId, instanceId: 'c1', agentVersion: '0.1.0', tags: undefined, at: new Date(clock) }]);
    return deviceId;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keyready-alerts-'));
    store = await openStore(`sqlite:${join(dir, 'keyready.sqlite')}`);
    await store.migrate();
    peer = await openStore(`sqlite:${join(dir, 'keyready.sqlite')}`);
    hooks = await webhookReceiver();
    const { log } = memoryLog();
    monitor = new AlertMonitor({ store, log, now, sweepMs: 60_000 });
    second = new AlertMonitor({ store: peer, log, now, sweepMs: 60_000 });
  });

  afterAll(async () => {
    await store?.close();
    await peer?.close();
    hooks?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends one message when a ready PC regresses, in each webhook’s format, once however many collectors look', async () => {
    const base = { lang: 'en' as const, rules: ['regression' as const], offlineDays: 7, enabled: true };
    await saveWebhook(store, { name: 'Generic', url: `${hooks.url}/json`, format: 'json', ...base }, new Date(clock));
    await saveWebhook(store, { name: 'Teams', url: `${hooks.url}/teams`, format: 'teams', ...base }, new Date(clock));
    await saveWebhook(store, { name: 'Slack', url: `${hooks.url}/slack`, format: 'slack', ...base, lang: 'ja' }, new Date(clock));
    const id = await enroll('PC-REGRESS-01');
    await report(id, { hostname: 'PC-REGRESS-01', user: 'aoki@contoso.co.jp' });
    monitor.deviceChanged(id);
    await monitor.tick();
    expect(hooks.received).toEqual([]); // ready: nothing to say

    clock += 60_000;
    await report(id, { hostname: 'PC-REGRESS-01', user: 'aoki@contoso.co.jp', statuses: { 'policy.security-key': 'fail' } });
    monitor.deviceChanged(id);
    second.deviceChanged(id);
    await Promise.all([monitor.tick(), second.tick()]);
    await monitor.tick();
    await second.tick();
    expect(hooks.received.map((r) => r.path).sort()).toEqual(['/json', '/slack', '/teams']);
    const json = hooks.received.find((r) => r.path === '/json')!.body;
    expect(json).toMatchObject({ source: 'keyready', rule: 'regression', title: 'PC-REGRESS-01 is no longer ready', checks: ['policy.security-key'], device: { id, hostname: 'PC-REGRESS-01', user: 'aoki@contoso.co.jp' } });
    const teams = hooks.received.find((r) => r.path === '/teams')!.body as { type: string; attachments: { contentType: string; content: { body: { text: string }[] } }[] };
    expect(teams.type).toBe('message');
    expect(teams.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(teams.attachments[0]!.content.body[0]!.text).toBe('PC-REGRESS-01 is no longer ready');
    const slack = hooks.received.find((r) => r.path === '/slack')!.body as { text: string };
    expect(slack.text).toBe(`PC-REGRESS-01 が準備完了ではなくなりました: PC-REGRESS-01 (aoki@contoso.co.jp) は ATKey でサインインできる状態でしたが、できなくなりました: ${t('ja', 'check.policy.security-key.title')}。`);

    // The same state reported again is no new change: nothing more is sent.
    clock += 60_000;
    await report(id, { hostname: 'PC-REGRESS-01', user: 'aoki@contoso.co.jp', statuses: { 'policy.security-key': 'fail', 'credprov.fido': 'fail' } });
    monitor.deviceChanged(id);
    await monitor.tick();
    expect(hooks.received).toHaveLength(3);
    for (const d of await monitor.deliveryLog()) expect(d).toMatchObject({ state: 'delivered', attempts: 1, lastResult: 'HTTP 200' });
  });

  it('retries a failing receiver with growing delays (fake clock) and logs every attempt', async () => {
    hooks.received.length = 0;
    await saveWebhook(store, { name: 'Flaky', url: `${hooks.url}/flaky`, format: 'json', lang: 'en', rules: ['offline'], offlineDays: 3, enabled: true }, new Date(clock));
    const id = await enroll('PC-AWAY-01');
    await report(id, { hostname: 'PC-AWAY-01', user: 'baba@contoso.co.jp' });
    await store.markPresence([{ type: 'disconnected', deviceId: id, instanceId: 'c1', at: new Date(clock) }]);
    const lastSeen = clock;
    clock = lastSeen + 2 * DAY;
    await monitor.tick();
    expect(hooks.received.filter((r) => r.path === '/flaky')).toEqual([]); // two days: not yet

    clock = lastSeen + 3 * DAY + 60_000;
    hooks.failNext(2);
    await monitor.tick();
    const flaky = async () => (await monitor.deliveryLog()).find((d) => d.webhookName === 'Flaky')!;
    expect(await flaky()).toMatchObject({ state: 'pending', attempts: 1, lastResult: 'HTTP 503', rule: 'offline', nextAt: new Date(clock + RETRY_DELAYS_MS[0]).toISOString() });
    clock += RETRY_DELAYS_MS[0] - 1_000;
    await monitor.tick();
    expect((await flaky()).attempts).toBe(1); // not due yet
    clock += 1_000;
    await monitor.tick();
    expect(await flaky()).toMatchObject({ state: 'pending', attempts: 2, lastResult: 'HTTP 503', nextAt: new Date(clock + RETRY_DELAYS_MS[1]).toISOString() });
    clock += RETRY_DELAYS_MS[1];
    await monitor.tick();
    expect(await flaky()).toMatchObject({ state: 'delivered', attempts: 3, lastResult: 'HTTP 200', nextAt: null });
    const sent = hooks.received.filter((r) => r.path === '/flaky');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toMatchObject({ rule: 'offline', title: 'PC-AWAY-01 has been offline for 3 days', offline: { days: 3, lastSeen: new Date(lastSeen).toISOString() } });
    // Still offline a day later: the same episode, no new message.
    clock += DAY;
    await monitor.tick();
    expect(hooks.received.filter((r) => r.path === '/flaky')).toHaveLength(1);
  });

  it('alerts on a PC not ready once its wave’s date has passed, once per PC and date', async () => {
    hooks.received.length = 0;
    await saveWebhook(store, { name: 'Waves', url: `${hooks.url}/waves`, format: 'json', lang: 'en', rules: ['overdue'], offlineDays: 7, enabled: true }, new Date(clock));
    const late = await enroll('PC-LATE-01');
    const done = await enroll('PC-DONE-01');
    await report(late, { hostname: 'PC-LATE-01', user: 'chiba@contoso.co.jp', statuses: { 'key.fingerprint': 'fail' } });
    await report(done, { hostname: 'PC-DONE-01', user: 'doi@contoso.co.jp' });
    const target = new Date(clock + DAY).toISOString().slice(0, 10);
    await store.putRecord('wave', 'w1', JSON.stringify({ name: 'Pilot', targetDate: target, members: { kind: 'users', users: ['chiba@contoso.co.jp', 'doi@contoso.co.jp'] }, createdAt: clock }), new Date(clock));
    clock += 60_000;
    await monitor.tick();
    expect(hooks.received.filter((r) => r.path === '/waves')).toEqual([]); // the date has not passed
    clock = Date.parse(`${target}T00:00:00Z`) + DAY + 1;
    await monitor.tick();
    clock += 60_000;
    await monitor.tick();
    const sent = hooks.received.filter((r) => r.path === '/waves');
    expect(sent.map((r) => r.body.title)).toEqual(['PC-LATE-01 is not ready after the wave date']);
    expect(sent[0]!.body).toMatchObject({ rule: 'overdue', wave: { name: 'Pilot', targetDate: target }, checks: ['key.fingerprint'] });
  });

  it('stops a disabled webhook’s retries and logs why; a change without a URL keeps the stored one', async () => {
    // Nothing listens on port 1: every attempt fails and is retried.
    const saved = await saveWebhook(store, { name: 'Paused', url: 'http://127.0.0.1:1/paused', format: 'json', lang: 'en', rules: ['offline'], offlineDays: 5, enabled: true }, new Date(clock));
    const id = await enroll('PC-AWAY-02');
    await report(id, { hostname: 'PC-AWAY-02', user: 'endo@contoso.co.jp' });
    await store.markPresence([{ type: 'disconnected', deviceId: id, instanceId: 'c1', at: new Date(clock) }]);
    clock += 5 * DAY + 60_000;
    await monitor.tick();
    const paused = async () => (await monitor.deliveryLog()).filter((d) => d.webhookName === 'Paused' && d.title.startsWith('PC-AWAY-02'));
    expect((await paused()).map((d) => [d.state, d.attempts])).toEqual([['pending', 1]]);

    const { url: _kept, ...shown } = saved;
    await saveWebhook(store, { ...shown, enabled: false }, new Date(clock), saved);
    expect((await listWebhooks(store)).find((h) => h.id === saved.id)).toMatchObject({ url: 'http://127.0.0.1:1/paused', enabled: false });
    clock += RETRY_DELAYS_MS[0];
    await monitor.tick();
    expect((await paused()).map((d) => [d.state, d.attempts, d.lastResult])).toEqual([['failed', 1, NOT_SENT.disabled]]);

    // Offline again after coming back, while disabled: the new episode is logged as not sent, never tried.
    await store.markPresence([{ type: 'connected', deviceId: id, instanceId: 'c1', agentVersion: '0.1.0', tags: undefined, at: new Date(clock) }]);
    await store.markPresence([{ type: 'disconnected', deviceId: id, instanceId: 'c1', at: new Date(clock) }]);
    clock += 5 * DAY + 60_000;
    await monitor.tick();
    expect((await paused()).map((d) => [d.state, d.attempts, d.lastResult])).toEqual([
      ['failed', 0, NOT_SENT.disabled],
      ['failed', 1, NOT_SENT.disabled],
    ]);
  });
});
