// What the dashboard review found (issue 14), in a real Chromium against a real collector process fed by
// simulated agents over the real protocol: the empty dashboard says how to add PCs, the printed agent
// command works from another address, the PC list's column chooser and its scrolling table, no sideways
// overflow on a phone in English and Japanese, fix texts with links and code, an offline PC's real last
// seen, and what the dashboard says while the collector itself is down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DeviceDetail, DeviceList, EnrollInfo } from '../../protocol/api.ts';
import { startCollectorProcess, type CollectorProcess } from '../../sim/processes/collector-process.ts';
import { CHROMIUM, launchChromium } from '../../sim/processes/browser.ts';
import { requireTool } from '../support/prerequisites.ts';
import { domainWithFailingHybridJoin } from '../../sim/fleet/compose.ts';
import type { PcSpec } from '../../sim/fleet/pc.ts';
import { pcReport } from '../../sim/fleet/pc-report.ts';
import { SimAgent } from '../../sim/fleet/sim-agent.ts';
import { ATKEY_MODEL_PROFILES, atkeyConfig } from '../../sim/authenticator/profiles.ts';
import type { Lang } from '../../protocol/report.ts';

const chromiumTool = requireTool(CHROMIUM, 'chromium');
const ARTIFACTS = resolve(import.meta.dirname, '..', '..', 'test-artifacts');
const PHONE = 390;
const AGENT_BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'keyready-agent.js');
const ENTRA_READY_BUNDLE = resolve(import.meta.dirname, '..', 'fixtures', 'bundles', 'entra-ready');

const POLICY_OFF: PcSpec = { registry: { securityKeyPolicy: null } };
const DOMAIN_FAILING: PcSpec = { dsregcmd: domainWithFailingHybridJoin() };
const KEY_PIN_ONLY: PcSpec = { keys: [atkeyConfig(ATKEY_MODEL_PROFILES[0]!, 'pin-only')] };

describe.skipIf(!chromiumTool.available)('dashboard review fixes in Chromium', () => {
  let dir: string;
  let collector: CollectorProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const agents = new Map<string, SimAgent>();

  /** A simulated PC enrolling at `url` with `secret` (the banner's, as an admin would copy them). */
  async function addAgent(hostname: string, pc: PcSpec, url: string, secret: string, site: string): Promise<SimAgent> {
    const index = agents.size;
    const hardware = { uuid: `e2e14000-0000-4000-8000-${String(index).padStart(12, '0')}`, serial: `SN14${index}`, manufacturer: 'LENOVO', model: '21HD' };
    const agent = new SimAgent({
      url,
      hostname,
      hardware,
      tags: { site, department: index % 2 === 0 ? 'Sales' : '営業' },
      makeReport: () => pcReport(pc, { ...hardware, hostname, user: `user${index}@contoso.co.jp` }),
    });
    agents.set(hostname, agent);
    await agent.enroll(secret);
    await agent.connect();
    await agent.report();
    return agent;
  }

  const deviceId = (hostname: string): string => agents.get(hostname)!.identity!.deviceId;
  const overflow = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth);
  /** The page's width and, when it is wider than the screen, the elements sticking out (for the failure message). */
  const phoneWidth = (p: Page) =>
    p.evaluate((screen) => {
      const width = document.documentElement.scrollWidth;
      const culprits = width <= screen ? [] : [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > screen + 0.5 && !el.closest('[data-table-scroll]'))
        .slice(-4)
        .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ${Math.round(el.getBoundingClientRect().right)}px`);
      return `${width}${culprits.length > 0 ? ` (${culprits.join('; ')})` : ''}`;
    }, PHONE);

  async function setLang(lang: Lang): Promise<void> {
    await page.evaluate((l) => localStorage.setItem('keyready.lang', l), lang);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyready-e2e-review-'));
    // Every address, as `npm start` listens: the banner's agent command must name one another PC can use.
    collector = await startCollectorProcess({ db: `sqlite:${join(dir, 'keyready.sqlite')}`, args: ['--host', '0.0.0.0'] });
    browser = await launchChromium(chromiumTool.path ?? CHROMIUM);
    context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await mkdir(ARTIFACTS, { recursive: true });
    await page.goto(collector.url);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(collector.adminPassword ?? '');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Fleet readiness' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    for (const agent of agents.values()) await agent.disconnect().catch(() => undefined);
    await collector?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('shows an empty dashboard how to add PCs instead of "0 % ready", in English and Japanese', async () => {
    const panel = page.locator('[data-add-pcs]').first();
    await panel.locator('[data-command="msi"]').waitFor();
    expect(await page.locator('[data-headline]').count()).toBe(0);
    expect(await page.locator('a[data-check]').count()).toBe(0);
    const info = EnrollInfo.parse(await (await context.request.get(`${collector.url}/api/enroll-info`)).json());
    expect(info.agentUrls.length).toBeGreaterThan(0);
    for (const url of info.agentUrls) expect(url).not.toMatch(/localhost|127\.0\.0\.1|\[::1\]/);
    const msi = await panel.locator('[data-command="msi"]').textContent();
    expect(msi).toBe(info.msiCommand);
    expect(msi).toContain(`COLLECTOR_URL=${info.agentUrls[0]}`);
    expect(msi).toContain('ENROLL_SECRET=<secret>');
    // The collector generated its secret: the command that prints it, with this collector's data folder.
    expect(await panel.locator('[data-command="secret"]').textContent()).toMatch(/^keyready-collector show-enroll-secret --data-dir \S+/);
    const guide = await panel.locator('a[data-guide]').getAttribute('href');
    expect(guide).toBe('/guides/INTUNE.md');
    const served = await context.request.get(`${collector.url}${guide}`);
    expect(served.status()).toBe(200);
    expect(served.headers()['content-type']).toBe('text/plain; charset=utf-8');
    expect(await served.text()).toContain('# Deploying the KeyReady Agent with Intune');
    await page.screenshot({ path: join(ARTIFACTS, 'review-empty-en.png'), fullPage: true });

    await page.getByLabel('Language').selectOption('ja');
    await panel.locator('h2', { hasText: 'PC を追加' }).waitFor();
    expect(await panel.locator('a[data-guide]').getAttribute('href')).toBe('/guides/INTUNE.ja.md');
    expect((await context.request.get(`${collector.url}/guides/INTUNE.ja.md`)).status()).toBe(200);
    await page.screenshot({ path: join(ARTIFACTS, 'review-empty-ja.png'), fullPage: true });
    await page.getByLabel('言語').selectOption('en');
  });

  it('prints an agent command that works from another PC: a non-loopback address and the secret', async () => {
    const line = collector.lines.find((l) => l.trimStart().startsWith('Agent command:'));
    expect(line).toBeDefined();
    // Plain ws:// to another PC: the agent needs --allow-insecure, so the command carries it.
    expect(line).toMatch(/ --allow-insecure$/);
    const match = /keyready-agent run --collector (\S+) --enroll-secret=(\S+)/.exec(line ?? '');
    expect(match).not.toBeNull();
    const [, url = '', secret = ''] = match ?? [];
    expect(url).not.toMatch(/localhost|127\.0\.0\.1|\[::1\]/);
    expect(secret).toBe(collector.enrollSecret);
    // The real built agent, run with exactly the printed arguments (plus where to keep its data and a
    // saved PC to replay, as on Linux it cannot probe Windows), enrolls and reports through that address.
    const printed = (line ?? '').slice((line ?? '').indexOf('keyready-agent run') + 'keyready-agent '.length).trim().split(/\s+/);
    const dataDir = join(dir, 'agent');
    const agent = spawn(process.execPath, [AGENT_BIN, ...printed, '--data-dir', dataDir, '--from', ENTRA_READY_BUNDLE], { stdio: ['ignore', 'ignore', 'pipe'] });
    let agentErrors = '';
    agent.stderr.on('data', (chunk: Buffer) => (agentErrors += chunk.toString()));
    try {
      await expect
        .poll(async () => DeviceList.parse(await (await context.request.get(`${collector.url}/api/devices`)).json()).items.filter((d) => d.lastReport !== null).length, { timeout: 20_000 })
        .toBe(1);
    } catch (error) {
      // Once in a loaded CI run the agent never reported: what it and the collector said is the evidence.
      throw new Error(`${String(error)}\nagent stderr:\n${agentErrors}\ncollector:\n${collector.lines.slice(-40).join('\n')}`);
    } finally {
      agent.kill('SIGTERM');
    }
    expect(agentErrors).not.toMatch(/insecure|refus/i);
    await addAgent('PC-BANNER-01', {}, url, secret, 'Tokyo');
    // The rest of the fleet, through the same address.
    await addAgent('PC-POLICY-01', POLICY_OFF, url, secret, 'Osaka');
    await addAgent('PC-HYBRID-01', DOMAIN_FAILING, url, secret, 'Osaka');
    await addAgent('PC-KEY-01', KEY_PIN_ONLY, url, secret, '大阪 本社');
    await addAgent('PC-AWAY-01', {}, url, secret, 'Nagoya');
  });

  it('chooses the PC list columns (fingerprint, PIN, join type, site, user) and remembers them', async () => {
    await page.goto(`${collector.url}/#/devices`);
    await page.locator('tbody tr').first().waitFor();
    expect(await page.locator('thead th[data-column]').evaluateAll((ths) => ths.map((th) => th.getAttribute('data-column')))).toEqual([
      'hostname', 'user', 'readiness', 'layers', 'blocking', 'online', 'lastSeen', 'lastReport', 'osBuild', 'keyModel',
    ]);
    await page.locator('[data-column-chooser] summary').click();
    for (const name of ['Fingerprint', 'PIN', 'Join type', 'Site']) await page.locator('[data-column-chooser]').getByLabel(name).check();
    await page.locator('[data-column-chooser]').getByLabel('User').uncheck();
    const expected = ['hostname', 'readiness', 'layers', 'blocking', 'online', 'lastSeen', 'lastReport', 'osBuild', 'joinType', 'site', 'keyModel', 'fingerprint', 'pin'];
    const columns = () => page.locator('thead th[data-column]').evaluateAll((ths) => ths.map((th) => th.getAttribute('data-column')));
    expect(await columns()).toEqual(expected);
    const keyRow = page.locator(`tr[data-device-id="${deviceId('PC-KEY-01')}"]`);
    expect(await keyRow.locator('td[data-column="fingerprint"]').textContent()).toBe('Not enrolled');
    expect(await keyRow.locator('td[data-column="pin"]').textContent()).toBe('Set');
    expect(await keyRow.locator('td[data-column="site"]').textContent()).toBe('大阪 本社');
    expect(await keyRow.locator('td[data-column="joinType"]').textContent()).toBe('Microsoft Entra joined');
    await page.reload();
    await page.locator('tbody tr').first().waitFor();
    expect(await columns()).toEqual(expected);
    await page.locator('[data-column-chooser] summary').click();
    await page.screenshot({ path: join(ARTIFACTS, 'review-columns-en.png'), fullPage: true });
    await page.locator('header select[name="lang"]').selectOption('ja');
    await page.locator('[data-column-chooser] summary', { hasText: '表示する列' }).waitFor();
    expect(await keyRow.locator('td[data-column="fingerprint"]').textContent()).toBe('未登録');
    await page.screenshot({ path: join(ARTIFACTS, 'review-columns-ja.png'), fullPage: true });
    await page.locator('header select[name="lang"]').selectOption('en');
    await page.locator('[data-column-chooser] summary').click();
  });

  it('keeps every column of the PC list reachable at 1280, 1440 and 1920 px: the table scrolls, the page does not', async () => {
    for (const width of [1280, 1440, 1920]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${collector.url}/#/devices`);
      await page.locator('tbody tr').first().waitFor();
      expect(await overflow(page), `page at ${width} px`).toBeLessThanOrEqual(width);
      for (const column of ['keyModel', 'pin']) {
        const cell = page.locator(`thead th[data-column="${column}"]`);
        await cell.scrollIntoViewIfNeeded();
        const box = await cell.boundingBox();
        const frame = await page.locator('[data-table-scroll]').boundingBox();
        expect(box && frame, `${column} at ${width} px`).toBeTruthy();
        // Wholly inside the table's scrolling box once scrolled to: nothing cut off.
        expect(box!.x).toBeGreaterThanOrEqual(frame!.x - 0.5);
        expect(box!.x + box!.width).toBeLessThanOrEqual(frame!.x + frame!.width + 0.5);
        expect(await cell.textContent()).toBe(column === 'pin' ? 'PIN' : 'Key');
      }
      await page.screenshot({ path: join(ARTIFACTS, `review-devices-${width}.png`) });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('renders web addresses in fix texts as links and commands as code, with no backticks left', async () => {
    await page.goto(`${collector.url}/#/device/${deviceId('PC-HYBRID-01')}`);
    const fix = page.locator('section[data-next] [data-next="failing"] > li[data-check="join.state"] .next-fix');
    await fix.waitFor();
    expect(await fix.locator('a').getAttribute('href')).toBe('https://www.microsoft.com/aadjerrors');
    expect(await fix.locator('a').getAttribute('rel')).toBe('noopener noreferrer');
    expect(await fix.locator('code').allTextContents()).toContain('dsregcmd /status');
    expect(await fix.textContent()).not.toContain('`');
    expect(await page.locator('main').textContent()).not.toContain('`');
    await page.screenshot({ path: join(ARTIFACTS, 'review-fix-links-en.png'), fullPage: true });
    await page.locator('header select[name="lang"]').selectOption('ja');
    await fix.locator('a', { hasText: 'https://www.microsoft.com/aadjerrors' }).waitFor();
    await expect.poll(() => fix.textContent()).toMatch(/^ヘルプデスク|^管理者/);
    expect(await fix.locator('code').allTextContents()).toContain('dsregcmd /status');
    expect(await fix.textContent()).not.toContain('`');
    await page.screenshot({ path: join(ARTIFACTS, 'review-fix-links-ja.png'), fullPage: true });
    await page.locator('header select[name="lang"]').selectOption('en');
  });

  it('has no sideways overflow at 390 px on any page, in English and Japanese', async () => {
    const phone = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', viewport: { width: PHONE, height: 844 }, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    for (const lang of ['en', 'ja'] as const) {
      await p.goto(collector.url);
      await p.evaluate((l) => localStorage.setItem('keyready.lang', l), lang);
      await p.reload();
      await p.locator('form input[name="password"], input[type="password"]').first().waitFor();
      expect(await phoneWidth(p), `sign-in page (${lang})`).toBe(String(PHONE));
      await p.screenshot({ path: join(ARTIFACTS, `review-390-login-${lang}.png`), fullPage: true });
      await p.locator('input[type="password"]').fill(collector.adminPassword ?? '');
      await p.locator('input[autocomplete="username"], input[name="username"]').first().fill('admin');
      await p.locator('button[type="submit"]').click();
      await p.locator('[data-tile="total"]').waitFor();
      const pages: [string, string, string][] = [
        ['overview', '#/', '[data-tile="total"]'],
        ['devices', '#/devices', 'tbody tr'],
        ['device-policy', `#/device/${deviceId('PC-POLICY-01')}`, 'li.check[data-check="policy.security-key"]'],
        ['device-hybrid', `#/device/${deviceId('PC-HYBRID-01')}`, 'li.check[data-check="join.state"]'],
      ];
      for (const [name, hash, ready] of pages) {
        await p.goto(`${collector.url}/${hash}`);
        await p.locator(ready).first().waitFor();
        await p.screenshot({ path: join(ARTIFACTS, `review-390-${name}-${lang}.png`), fullPage: true });
        expect(await phoneWidth(p), `${name} (${lang})`).toBe(String(PHONE));
      }
      await p.getByRole('button', { name: lang === 'ja' ? 'サインアウト' : 'Sign out' }).click();
      await p.locator('input[type="password"]').waitFor();
    }
    await phone.close();
  }, 90_000);

  it('shows an offline PC with the time it was last seen, not when it was marked offline', async () => {
    await setLang('en');
    const away = agents.get('PC-AWAY-01')!;
    await away.disconnect();
    const id = deviceId('PC-AWAY-01');
    let detail = DeviceDetail.parse(await (await context.request.get(`${collector.url}/api/devices/${id}`)).json());
    for (let i = 0; i < 50 && detail.device.online; i++) {
      await new Promise((r) => setTimeout(r, 100));
      detail = DeviceDetail.parse(await (await context.request.get(`${collector.url}/api/devices/${id}`)).json());
    }
    expect(detail.device.online).toBe(false);
    const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }).format(new Date(detail.device.lastSeen));
    await page.goto(`${collector.url}/#/device/${id}`);
    await expect.poll(() => page.locator('.device-header [data-presence]').textContent()).toBe(`Offline, last seen ${clock}`);
    await page.goto(`${collector.url}/#/devices?online=false`);
    await expect.poll(() => page.locator(`tr[data-device-id="${id}"] [data-presence]`).textContent()).toBe(`Offline, last seen ${clock}`);
  });

  it('says whether PCs are online is unknown, since when, once the collector itself is down', async () => {
    await page.goto(`${collector.url}/#/devices?online=true`);
    const badge = page.locator(`tr[data-device-id="${deviceId('PC-BANNER-01')}"] [data-presence]`);
    await expect.poll(() => badge.getAttribute('data-presence')).toBe('online');
    const before = Date.now();
    await collector.stop();
    await expect.poll(() => badge.getAttribute('data-presence'), { timeout: 10_000 }).toBe('unknown');
    const shown = await badge.textContent();
    expect(shown).toMatch(/^Unknown since \d\d:\d\d$/);
    const since = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
    expect([since.format(new Date(before)), since.format(new Date())]).toContain(shown?.replace('Unknown since ', ''));
    expect(await page.locator('[data-live-lost]').textContent()).toContain('whether each PC is online is unknown');
    expect(await page.locator('[data-presence="online"]').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'review-collector-down-en.png'), fullPage: true });
    // The language switch works without the collector: the same state in Japanese.
    await page.locator('header select[name="lang"]').selectOption('ja');
    await expect.poll(() => badge.textContent()).toMatch(/^\d\d:\d\d 以降不明$/);
    expect(await page.locator('[data-live-lost]').textContent()).toContain('コレクターとの接続が切れました');
    await page.screenshot({ path: join(ARTIFACTS, 'review-collector-down-ja.png'), fullPage: true });
  });
});
