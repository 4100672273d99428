// Running a cutover from the dashboard (issue 14), in a real Chromium against a real collector process
// fed by simulated agents over the real protocol: tags assigned by an admin to a selection and to a
// filter result, told apart from the agents' own, offered in dropdowns, and the overview broken down by
// a tag key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DeviceList, GroupBreakdown, InstructionSheet, WaveInstructions, WaveList } from '../../protocol/api.ts';
import { startCollectorProcess, type CollectorProcess } from '../../sim/processes/collector-process.ts';
import { CHROMIUM, launchChromium, signIn } from '../../sim/processes/browser.ts';
import { requireTool } from '../support/prerequisites.ts';
import { webhookReceiver } from '../support/webhook-receiver.ts';
import type { PcSpec } from '../../sim/fleet/pc.ts';
import type { Report } from '../../protocol/report.ts';
import { pcReport } from '../../sim/fleet/pc-report.ts';
import { SimAgent } from '../../sim/fleet/sim-agent.ts';
import { ATKEY_MODEL_PROFILES, atkeyConfig } from '../../sim/authenticator/profiles.ts';

const chromiumTool = requireTool(CHROMIUM, 'chromium');
const ARTIFACTS = resolve(import.meta.dirname, '..', '..', 'test-artifacts');
const SECRET = 'e2e-cutover-secret-0123456789abcdef';

const READY: PcSpec = {};
const POLICY_OFF: PcSpec = { registry: { securityKeyPolicy: null } };
const KEY_PIN_ONLY: PcSpec = { keys: [atkeyConfig(ATKEY_MODEL_PROFILES[0]!, 'pin-only')] };
const KEY_NOTHING: PcSpec = { keys: [atkeyConfig(ATKEY_MODEL_PROFILES[0]!, 'nothing')] };

/** host, PC state, site (agent.json), user. */
const FLEET: readonly [string, PcSpec, string, string][] = [
  ['TKY-001', READY, 'Tokyo', 'aoki@contoso.co.jp'],
  ['TKY-002', KEY_PIN_ONLY, 'Tokyo', 'baba@contoso.co.jp'],
  ['TKY-003', POLICY_OFF, 'Tokyo', 'chiba@contoso.co.jp'],
  ['OSA-001', READY, 'Osaka', 'doi@contoso.co.jp'],
  ['OSA-002', KEY_NOTHING, 'Osaka', 'endo@contoso.co.jp'],
  ['OSA-003', READY, 'Osaka', 'fujii@contoso.co.jp'],
  ['NGY-001', POLICY_OFF, 'Nagoya', 'goto@contoso.co.jp'],
];

describe.skipIf(!chromiumTool.available)('running a cutover from the dashboard in Chromium', () => {
  let dir: string;
  let collector: CollectorProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const agents = new Map<string, { agent: SimAgent; pc: PcSpec }>();

  const get = async <T>(path: string, parse: (body: unknown) => T): Promise<T> => {
    const response = await context.request.get(`${collector.url}${path}`);
    expect(response.status(), path).toBe(200);
    return parse(await response.json());
  };
  const deviceId = (host: string) => agents.get(host)!.agent.identity!.deviceId;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyready-e2e-cutover-'));
    collector = await startCollectorProcess({ db: `sqlite:${join(dir, 'keyready.sqlite')}`, args: ['--enroll-secret', SECRET] });
    for (const [index, [hostname, pc, site, user]] of FLEET.entries()) {
      const hardware = { uuid: `e2e14c00-0000-4000-8000-${String(index).padStart(12, '0')}`, serial: `SNC${index}`, manufacturer: 'LENOVO', model: '21HD' };
      const entry: { pc: PcSpec; agent: SimAgent } = { pc, agent: new SimAgent({ url: collector.agentUrl, hostname, hardware, tags: { site }, makeReport: (): Report => pcReport(entry.pc, { ...hardware, hostname, user }) }) };
      agents.set(hostname, entry);
      await entry.agent.enroll(SECRET);
      await entry.agent.connect();
      await entry.agent.report();
    }
    browser = await launchChromium(chromiumTool.path ?? CHROMIUM);
    context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    await mkdir(ARTIFACTS, { recursive: true });
    await signIn(page, collector.url, collector.adminPassword ?? '');
    await page.getByRole('heading', { name: 'Fleet readiness' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    for (const { agent } of agents.values()) await agent.disconnect().catch(() => undefined);
    await collector?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('assigns a tag to a selection and to a filter result, shown apart from the agent’s own tags', async () => {
    await page.goto(`${collector.url}/#/devices`);
    await page.locator('[data-tag-assign]').waitFor();
    await page.locator(`input[data-select="${deviceId('TKY-001')}"]`).check();
    await page.locator(`input[data-select="${deviceId('OSA-001')}"]`).check();
    await page.locator('input[name="tag-key"]').fill('department');
    await page.locator('input[name="tag-value"]').fill('営業');
    await page.locator('button[data-assign="selection"]').click();
    await expect.poll(() => page.locator('[data-tag-result]').textContent()).toBe('Done: 2 of 2 PCs changed.');

    // A filter result: every Osaka PC joins wave 1.
    await page.goto(`${collector.url}/#/devices?tag=site%3DOsaka`);
    await expect.poll(() => page.locator('[data-total]').getAttribute('data-total')).toBe('3');
    await page.locator('input[name="tag-key"]').fill('wave');
    await page.locator('input[name="tag-value"]').fill('1');
    await page.locator('button[data-assign="filter"]').click();
    await expect.poll(() => page.locator('[data-tag-result]').textContent()).toBe('Done: 3 of 3 PCs changed.');

    const wave = await get('/api/devices?tag=wave%3D1', (b) => DeviceList.parse(b));
    expect(wave.items.map((d) => d.hostname).sort()).toEqual(['OSA-001', 'OSA-002', 'OSA-003']);
    const osa1 = wave.items.find((d) => d.hostname === 'OSA-001')!;
    expect(osa1.tags).toEqual({ site: 'Osaka' });
    expect(osa1.adminTags).toEqual({ department: '営業', wave: '1' });

    // The list's Tags column and the PC page tell them apart.
    await page.goto(`${collector.url}/#/devices?tag=department%3D%E5%96%B6%E6%A5%AD`);
    await page.locator('[data-column-chooser] summary').click();
    await page.locator('[data-column-chooser]').getByLabel('Tags').check();
    const row = page.locator(`tr[data-device-id="${deviceId('OSA-001')}"] td[data-column="tags"]`);
    await expect.poll(() => row.locator('[data-tag-source="agent"]').allTextContents()).toEqual(['site=Osaka']);
    expect(await row.locator('[data-tag-source="collector"]').allTextContents()).toEqual(['◆ Assigned in the dashboard: department=営業', '◆ Assigned in the dashboard: wave=1']);
    // Known values are offered in the dropdowns.
    const suggestions = await page.locator('#tag-filter-values option').evaluateAll((options) => options.map((o) => o.getAttribute('value')));
    expect(suggestions).toEqual(expect.arrayContaining(['department=営業', 'site=Osaka', 'site=Tokyo', 'wave=1']));
    await page.locator('input[name="tag-key"]').fill('site');
    const siteValues = await page.locator('#tag-key-values option').evaluateAll((options) => options.map((o) => o.getAttribute('value')));
    expect(siteValues.sort()).toEqual(['Nagoya', 'Osaka', 'Tokyo']);
    await page.screenshot({ path: join(ARTIFACTS, 'cutover-tags-en.png'), fullPage: true });
    await page.locator('header select[name="lang"]').selectOption('ja');
    await page.getByRole('heading', { name: 'タグを割り当て' }).waitFor();
    expect(await row.locator('[data-tag-source="collector"]').first().textContent()).toBe('◆ ダッシュボードで割り当て: department=営業');
    await page.screenshot({ path: join(ARTIFACTS, 'cutover-tags-ja.png'), fullPage: true });
    await page.locator('header select[name="lang"]').selectOption('en');
    await page.goto(`${collector.url}/#/device/${deviceId('OSA-001')}`);
    await expect.poll(() => page.locator('[data-field="device.tags"] [data-tag-source]').count()).toBe(3);
  });

  it('breaks the overview down by a tag key: readiness per group as a table and a chart', async () => {
    await page.goto(`${collector.url}/#/`);
    const panel = page.locator('[data-groups]');
    await panel.locator('tr[data-group="Tokyo"]').waitFor();
    const bySite = await get('/api/groups?key=site', (b) => GroupBreakdown.parse(b));
    expect(bySite.groups.map((g) => [g.value, g.total, g.ready])).toEqual([['Osaka', 3, 2], ['Tokyo', 3, 1], ['Nagoya', 1, 0]]);
    for (const group of bySite.groups) {
      const tableRow = panel.locator(`tr[data-group="${group.value}"]`);
      expect(await tableRow.locator('td').first().textContent()).toBe(String(group.total));
      expect(await tableRow.locator('[data-share]').textContent()).toBe(`${Math.round((group.ready / group.total) * 100)}%`);
      expect(await tableRow.locator('svg.bar rect').count()).toBe(4);
    }
    await panel.locator('select[name="group-key"]').selectOption('department');
    await panel.locator('tr[data-group="営業"]').waitFor();
    expect(await panel.locator('tr[data-group=""] th').textContent()).toBe('(no department)');
    await panel.locator('tr[data-group="営業"] a').click();
    await page.waitForURL(/#\/devices\?tag=department%3D/);
    await expect.poll(() => page.locator('[data-total]').getAttribute('data-total')).toBe('2');
    await page.goto(`${collector.url}/#/`);
    await page.locator('[data-groups] select[name="group-key"]').selectOption('site');
    await page.locator('[data-groups] tr[data-group="Tokyo"]').waitFor();
    await page.locator('[data-groups]').screenshot({ path: join(ARTIFACTS, 'cutover-groups-en.png') });
    await page.getByLabel('Language').selectOption('ja');
    await page.getByRole('heading', { name: 'グループ別の準備状況' }).waitFor();
    await page.locator('[data-groups]').screenshot({ path: join(ARTIFACTS, 'cutover-groups-ja.png') });
    await page.getByLabel('言語').selectOption('en');
  });

  it('shows each wave’s "can sign in today" share over time against its target date, and what still blocks it', async () => {
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    await page.goto(`${collector.url}/#/`);
    const add = page.locator('[data-add-wave]');
    await add.locator('summary').click();
    await add.locator('input[name="wave-name"]').fill('Wave 1 — Osaka');
    await add.locator('input[name="wave-date"]').fill(day(14));
    await add.locator('select[name="wave-tag"]').selectOption('wave=1');
    await add.getByRole('button', { name: 'Save the wave' }).click();
    const osaka = page.locator('[data-wave="Wave 1 — Osaka"]');
    await osaka.waitFor();
    // A wave of listed users whose date has passed.
    await add.locator('input[name="wave-name"]').fill('Pilot');
    await add.locator('input[name="wave-date"]').fill(day(-2));
    await add.locator('input[name="wave-kind"][value="users"]').check();
    await add.locator('textarea[name="wave-users"]').fill('aoki@contoso.co.jp\nBABA@contoso.co.jp\nnobody@contoso.co.jp');
    await add.getByRole('button', { name: 'Save the wave' }).click();
    const pilot = page.locator('[data-wave="Pilot"]');
    await pilot.waitFor();

    const { waves } = await get('/api/waves', (b) => WaveList.parse(b));
    const w1 = waves.find((w) => w.name === 'Wave 1 — Osaka')!;
    expect(w1).toMatchObject({ total: 3, ready: 2, notReady: 1, overdue: false, targetDate: day(14) });
    // OSA-002's key has nothing enrolled: no fingerprint and no PIN.
    expect(w1.blocking).toEqual([{ id: 'key.fingerprint', count: 1 }, { id: 'key.pin', count: 1 }]);
    expect(w1.series.at(-1)).toEqual({ day: day(0), ready: 2 });
    const p1 = waves.find((w) => w.name === 'Pilot')!;
    expect(p1).toMatchObject({ total: 2, ready: 1, overdue: true });
    expect(await osaka.locator('[data-wave-share]').textContent()).toBe('67% can sign in today (2 of 3 PCs)');
    expect(await osaka.locator('[data-due]').textContent()).toBe('14 days left');
    expect(await pilot.locator('[data-due]').textContent()).toBe('overdue by 2 days');
    expect(await osaka.locator('[data-share-line]').count()).toBe(1);
    expect(await osaka.locator('[data-target-line]').count()).toBe(1);
    expect(await osaka.locator('li[data-check="key.fingerprint"] a').getAttribute('href')).toBe('#/devices?tag=wave%3D1&check=key.fingerprint');

    // The blocking PC is fixed: the wave moves without a reload.
    const away = agents.get('OSA-002')!;
    away.pc = READY;
    await away.agent.report();
    await expect.poll(() => osaka.locator('[data-wave-share]').textContent(), { timeout: 10_000 }).toBe('100% can sign in today (3 of 3 PCs)');
    expect(await osaka.locator('[data-due]').textContent()).toBe('every PC ready');
    await page.locator('[data-waves]').screenshot({ path: join(ARTIFACTS, 'cutover-waves-en.png') });
    await page.getByLabel('Language').selectOption('ja');
    await page.getByRole('heading', { name: '移行ウェーブ' }).waitFor();
    await page.locator('[data-waves]').screenshot({ path: join(ARTIFACTS, 'cutover-waves-ja.png') });
    await page.getByLabel('言語').selectOption('en');
  });

  it('makes a user’s instruction sheet of exactly what they lack, in English and Japanese, printable and copyable', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: collector.url });
    // From the PC page of a user whose key has a PIN but no fingerprint.
    await page.goto(`${collector.url}/#/device/${deviceId('TKY-002')}`);
    await page.locator('[data-instructions-link]').click();
    await page.waitForURL(/#\/instructions\?user=baba%40contoso\.co\.jp$/);
    const sheet = page.locator('[data-sheet="baba@contoso.co.jp"]');
    await sheet.waitFor();
    const api = await get('/api/instructions/user?user=baba%40contoso.co.jp&lang=en', (b) => InstructionSheet.parse(b));
    expect(api.steps.map((st) => st.kind)).toEqual(['fingerprint', 'register', 'signin']);
    expect(await sheet.locator('[data-step]').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')))).toEqual(['fingerprint', 'register', 'signin']);
    expect(await sheet.locator('[data-step="fingerprint"]').textContent()).toContain('Press the button on its side 3 times: the LED flashes white');
    expect(await sheet.locator('[data-step="register"] a').getAttribute('href')).toBe('https://aka.ms/mysecurityinfo');
    // Nothing this user need not do: no PIN (it is set), nothing of the admin's.
    expect(await sheet.textContent()).not.toMatch(/PIN > Add|Intune|policy/);
    await page.locator('[data-copy]').click();
    await expect.poll(() => page.locator('[data-copied]').getAttribute('data-copied')).toBe('copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(api.text);
    await page.screenshot({ path: join(ARTIFACTS, 'cutover-instructions-en.png'), fullPage: true });

    await page.locator('select[name="sheet-lang"]').selectOption('ja');
    await sheet.locator('h2', { hasText: 'パスワードなしでサインイン' }).waitFor();
    expect(await sheet.getAttribute('lang')).toBe('ja');
    expect(await sheet.locator('[data-step="fingerprint"]').textContent()).toContain('側面のボタンを 3 回押すと LED が白く点滅します');
    // The dashboard around it stays English; on paper only the sheet is left.
    expect(await page.getByRole('button', { name: 'Print' }).count()).toBe(1);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header.top').isVisible()).toBe(false);
    expect(await page.locator('.sheet-toolbar').isVisible()).toBe(false);
    expect(await sheet.isVisible()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'cutover-instructions-print-ja.png'), fullPage: true });
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await writeFile(join(ARTIFACTS, 'cutover-instructions-ja.pdf'), pdf);
    await page.emulateMedia({ media: 'screen' });
  });

  it('leaves what the IT team must do out of a user’s sheet, and makes one sheet per user of a wave, a page each', async () => {
    const chiba = await get('/api/instructions/user?user=chiba%40contoso.co.jp&lang=en', (b) => InstructionSheet.parse(b));
    expect(chiba.steps.map((st) => st.kind)).toEqual(['register']);
    expect(chiba.notes).toEqual(['Do not use the ATKey on TKY-003 yet: your IT team is still preparing it and will tell you when it is ready.']);

    const { waves } = await get('/api/waves', (b) => WaveList.parse(b));
    const wave = waves.find((w) => w.name === 'Wave 1 — Osaka')!;
    const answer = await get(`/api/instructions/wave/${wave.id}?lang=ja`, (b) => WaveInstructions.parse(b));
    expect(answer.sheets.map((sh) => sh.user)).toEqual(['doi@contoso.co.jp', 'endo@contoso.co.jp', 'fujii@contoso.co.jp']);
    await page.goto(`${collector.url}/#/`);
    await page.locator('[data-wave="Wave 1 — Osaka"] [data-instructions-link]').click();
    await page.waitForURL(/#\/instructions\?wave=/);
    await expect.poll(() => page.locator('[data-sheet]').count()).toBe(3);
    await page.locator('select[name="sheet-lang"]').selectOption('ja');
    await page.locator('[data-sheet] h2', { hasText: 'パスワードなしでサインイン' }).first().waitFor();
    expect(await page.locator('[data-sheet]').first().textContent()).toContain('ウェーブ Wave 1 — Osaka');
    await page.emulateMedia({ media: 'print' });
    const breaks = await page.locator('[data-sheet]').evaluateAll((els) => els.map((e) => getComputedStyle(e).breakAfter));
    expect(breaks).toEqual(['page', 'page', 'auto']);
    const pdf = await page.pdf({ format: 'A4' });
    await writeFile(join(ARTIFACTS, 'cutover-instructions-wave-ja.pdf'), pdf);
    await page.emulateMedia({ media: 'screen' });
  });

  it('posts an alert to a webhook (a local receiver) when a ready PC regresses, after a test from the settings page', async () => {
    const { url, received, server } = await webhookReceiver<{ rule?: string; title?: string; device?: { hostname?: string }; checks?: string[] }>(204);
    try {
      const receiverUrl = `${url}/hooks/keyready`;
      await page.goto(`${collector.url}/#/settings`);
      const panel = page.locator('[data-alerts]');
      await panel.locator('[data-add-webhook] summary').click();
      await panel.locator('input[name="webhook-name"]').fill('Helpdesk channel');
      await panel.locator('input[name="webhook-url"]').fill(receiverUrl);
      await panel.locator('select[name="webhook-format"]').selectOption('json');
      await panel.getByRole('button', { name: 'Save the webhook' }).click();
      const hook = panel.locator('[data-webhook="Helpdesk channel"]');
      await hook.waitFor();
      // The secret part of the URL is not shown back.
      expect(await hook.textContent()).not.toContain('/hooks/keyready');
      await hook.locator('[data-test-webhook]').click();
      await expect.poll(() => page.locator('[data-alert-status]').textContent()).toBe('Test: Delivered (HTTP 204)');
      // The sweep may already have sent the overdue alert below: only the test is counted here.
      expect(received.filter((r) => r.body.rule === 'test')).toHaveLength(1);

      // The Pilot wave's date has passed and TKY-002 (baba) is not ready: the sweep says so.
      const ofRule = (rule: string) => received.filter((r) => r.body.rule === rule);
      await expect.poll(() => ofRule('overdue').map((r) => r.body.device?.hostname), { timeout: 15_000 }).toEqual(['TKY-002']);

      // TKY-001 was ready; its security-key policy is removed.
      const pc = agents.get('TKY-001')!;
      pc.pc = POLICY_OFF;
      await pc.agent.report();
      await expect.poll(() => ofRule('regression').length, { timeout: 15_000 }).toBe(1);
      expect(ofRule('regression')[0]!.path).toBe('/hooks/keyready');
      expect(ofRule('regression')[0]!.body).toMatchObject({ rule: 'regression', title: 'TKY-001 is no longer ready', device: { hostname: 'TKY-001' }, checks: ['policy.security-key'] });
      // Reported again unchanged: no second alert.
      await pc.agent.report();
      await page.reload();
      await panel.locator('tr[data-delivery="regression"][data-state="delivered"]').waitFor();
      expect(ofRule('regression')).toHaveLength(1);
      expect(ofRule('test')).toHaveLength(1);

      // Disabled from the page, the webhook gets nothing: TKY-001 is fixed and regresses again, and the
      // log shows that alert as not sent, with why.
      pc.pc = READY;
      await pc.agent.report();
      await hook.getByRole('button', { name: 'Disable' }).click();
      await expect.poll(() => hook.locator('[data-webhook-state]').textContent()).toBe('disabled');
      expect(await page.locator('[data-alert-status]').textContent()).toContain('is disabled');
      pc.pc = POLICY_OFF;
      await pc.agent.report();
      const notSent = panel.locator('tr[data-delivery="regression"][data-state="failed"]');
      await expect.poll(async () => (await panel.getByRole('button', { name: 'Refresh' }).click(), notSent.count()), { timeout: 15_000 }).toBe(1);
      expect(await notSent.textContent()).toContain('Not sent: the webhook is disabled');
      expect(ofRule('regression')).toHaveLength(1);

      // Changed from the page (no URL typed: the stored one is kept, never shown back), then enabled again:
      // the next regression reaches the receiver at the same URL.
      await hook.getByRole('button', { name: 'Edit' }).click();
      const form = hook.locator('[data-webhook-form]');
      expect(await form.locator('input[name="webhook-url"]').getAttribute('placeholder')).toMatch(/^Leave empty to keep http:\/\/127\.0\.0\.1:\d+\/…$/);
      await form.locator('input[name="webhook-rule-offline"]').uncheck();
      await form.getByRole('button', { name: 'Save the webhook' }).click();
      await expect.poll(() => hook.textContent()).not.toContain('offline for');
      expect(await hook.locator('[data-webhook-state]').textContent()).toBe('disabled');
      await hook.getByRole('button', { name: 'Enable' }).click();
      await expect.poll(() => hook.locator('[data-webhook-state]').textContent()).toBe('enabled');
      pc.pc = READY;
      await pc.agent.report();
      pc.pc = POLICY_OFF;
      await pc.agent.report();
      await expect.poll(() => ofRule('regression').length, { timeout: 15_000 }).toBe(2);
      expect(ofRule('regression')[1]!.path).toBe('/hooks/keyready');

      // Deleting asks first; cancelled, the webhook stays.
      await hook.getByRole('button', { name: 'Delete' }).click();
      expect(await hook.locator('[data-confirm-delete]').textContent()).toContain('Delete the webhook “Helpdesk channel”?');
      await hook.getByRole('button', { name: 'Cancel' }).click();
      await panel.getByRole('button', { name: 'Refresh' }).click();
      await panel.locator('tr[data-delivery="regression"][data-state="delivered"]').nth(1).waitFor();
      expect(await hook.count()).toBe(1);

      await panel.screenshot({ path: join(ARTIFACTS, 'cutover-alerts-en.png') });
      await page.locator('header select[name="lang"]').selectOption('ja');
      await page.getByRole('heading', { name: 'アラート' }).waitFor();
      await expect.poll(() => notSent.textContent()).toContain('未送信: Webhook が無効です');
      expect(await hook.getByRole('button', { name: '無効にする' }).count()).toBe(1);
      await panel.screenshot({ path: join(ARTIFACTS, 'cutover-alerts-ja.png') });
      await page.locator('header select[name="lang"]').selectOption('en');

      // A second webhook, deleted once confirmed.
      await panel.locator('[data-add-webhook] summary').click();
      const add = panel.locator('[data-add-webhook]');
      await add.locator('input[name="webhook-name"]').fill('Old channel');
      await add.locator('input[name="webhook-url"]').fill(`${receiverUrl}/old`);
      await add.getByRole('button', { name: 'Save the webhook' }).click();
      const old = panel.locator('[data-webhook="Old channel"]');
      await old.getByRole('button', { name: 'Delete' }).click();
      await old.getByRole('button', { name: 'Yes, delete it' }).click();
      await expect.poll(() => old.count()).toBe(0);
      expect(await page.locator('[data-alert-status]').textContent()).toBe('Deleted “Old channel”.');
      expect(await hook.count()).toBe(1);
    } finally {
      server.close();
    }
  });

  it('has no sideways overflow at 390 px on the new pages either (overview with waves and groups, tags, settings, instructions), in English and Japanese', async () => {
    const phone = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    await signIn(p, collector.url, collector.adminPassword ?? '');
    await p.locator('[data-tile="total"]').waitFor();
    const { waves } = await get('/api/waves', (b) => WaveList.parse(b));
    const pages: [string, string, string][] = [
      ['overview', '#/', '[data-waves] [data-wave]'],
      ['devices', '#/devices', '[data-tag-assign]'],
      ['settings', '#/settings', '[data-alerts] [data-webhook]'],
      ['instructions', '#/instructions?user=baba%40contoso.co.jp', '[data-sheet]'],
      ['wave-instructions', `#/instructions?wave=${waves[0]!.id}`, '[data-sheet]'],
    ];
    for (const lang of ['en', 'ja'] as const) {
      await p.evaluate((l) => localStorage.setItem('keyready.lang', l), lang);
      for (const [name, hash, ready] of pages) {
        await p.goto(`${collector.url}/${hash}`);
        await p.reload();
        await p.locator(ready).first().waitFor();
        await p.screenshot({ path: join(ARTIFACTS, `cutover-390-${name}-${lang}.png`), fullPage: true });
        const width = await p.evaluate(() => {
          const culprits = [...document.querySelectorAll('body *')]
            .filter((el) => el.getBoundingClientRect().right > 390.5 && !el.closest('.table-scroll'))
            .slice(-3)
            .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`);
          return `${document.documentElement.scrollWidth}${culprits.length > 0 ? ` (${culprits.join('; ')})` : ''}`;
        });
        expect(width, `${name} (${lang})`).toBe('390');
      }
    }
    await phone.close();
  }, 90_000);
});

