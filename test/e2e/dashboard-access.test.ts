// Accounts and roles in a real Chromium against a real collector process: an admin adds a helpdesk
// account on the settings page and sees its one-time password; the helpdesk account signs in, is
// offered no settings and no fleet export, is told so on the settings page, and is refused a settings
// change by the API (403) even when it asks directly; the admin sees all of it in the audit log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CSRF_HEADER, SessionInfo } from '../../protocol/api.ts';
import { startCollectorProcess, type CollectorProcess } from '../../sim/processes/collector-process.ts';
import { CHROMIUM, launchChromium } from '../../sim/processes/browser.ts';
import { requireTool } from '../support/prerequisites.ts';

const chromiumTool = requireTool(CHROMIUM, 'chromium');
const ARTIFACTS = resolve(import.meta.dirname, '..', '..', 'test-artifacts');

async function signInAs(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(url);
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('button[type="submit"]').click();
  await page.locator('[data-role]').waitFor();
}

describe.skipIf(!chromiumTool.available)('accounts and roles in Chromium', () => {
  let dir: string;
  let collector: CollectorProcess;
  let browser: Browser;
  let helpdeskPassword = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyready-e2e-access-'));
    collector = await startCollectorProcess({ db: `sqlite:${join(dir, 'keyready.sqlite')}` });
    browser = await launchChromium(chromiumTool.path ?? CHROMIUM);
    await mkdir(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await collector?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lets the admin add a helpdesk account from the settings page, showing its password once', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInAs(page, collector.url, 'admin', collector.adminPassword ?? '');
    await page.locator('a[data-nav="settings"]').click();
    await page.locator('[data-accounts] tr[data-account="admin"]').waitFor();
    await page.locator('input[name="new-username"]').fill('hana.sato');
    await page.locator('select[name="new-role"]').selectOption('helpdesk');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const shown = page.locator('[data-new-password="hana.sato"] code');
    await shown.waitFor();
    helpdeskPassword = (await shown.textContent()) ?? '';
    expect(helpdeskPassword).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(await page.locator('tr[data-account="hana.sato"] select').inputValue()).toBe('helpdesk');
    await page.screenshot({ path: join(ARTIFACTS, 'access-settings-en.png'), fullPage: true });
    await page.locator('header select[name="lang"]').selectOption('ja');
    await page.getByRole('heading', { name: 'ダッシュボードのアカウント' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'access-settings-ja.png'), fullPage: true });
    await context.close();
  });

  it('offers a helpdesk account no settings and no export, and the API refuses it a settings change (403)', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInAs(page, collector.url, 'hana.sato', helpdeskPassword);
    expect(await page.locator('[data-role]').textContent()).toBe('Signed in as hana.sato (Helpdesk)');
    expect(await page.locator('a[data-nav="settings"]').count()).toBe(0);
    await page.goto(`${collector.url}/#/devices`);
    await page.locator('form.filters').waitFor();
    expect(await page.getByRole('link', { name: 'Export CSV' }).count()).toBe(0);
    // A typed-in settings link says who may use it, and shows no account.
    await page.goto(`${collector.url}/#/settings`);
    await page.locator('[data-settings="refused"]').waitFor();
    expect(await page.locator('[data-accounts]').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'access-helpdesk-refused-en.png'), fullPage: true });
    await page.locator('header select[name="lang"]').selectOption('ja');
    await page.locator('[data-settings="refused"]', { hasText: '管理者だけです' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'access-helpdesk-refused-ja.png'), fullPage: true });
    await page.locator('header select[name="lang"]').selectOption('en');

    // The same browser session asking the API directly, CSRF token and all: refused by the server.
    const session = SessionInfo.parse(await (await context.request.get(`${collector.url}/api/session`)).json());
    expect(session.role).toBe('helpdesk');
    const change = await context.request.post(`${collector.url}/api/accounts`, {
      headers: { [CSRF_HEADER]: session.csrfToken, 'content-type': 'application/json' },
      data: { username: 'sneaky', role: 'admin' },
    });
    expect(change.status()).toBe(403);
    expect((await context.request.post(`${collector.url}/api/accounts/hana.sato`, {
      headers: { [CSRF_HEADER]: session.csrfToken, 'content-type': 'application/json' },
      data: { role: 'admin' },
    })).status()).toBe(403);
    expect((await context.request.get(`${collector.url}/api/export.csv`)).status()).toBe(403);
    await context.close();
  });

  it('shows the admin the audit log with the sign-ins and the account change', async () => {
    const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInAs(page, collector.url, 'admin', collector.adminPassword ?? '');
    await page.goto(`${collector.url}/#/settings`);
    const rows = page.locator('[data-audit] tbody tr');
    await rows.first().waitFor();
    const actions = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')));
    expect(actions).toEqual(expect.arrayContaining(['sign-in', 'account-create']));
    expect(await page.locator('[data-audit] tr[data-action="account-create"]').first().textContent()).toContain('hana.sato');
    await page.screenshot({ path: join(ARTIFACTS, 'access-audit-ja.png'), fullPage: true });
    await context.close();
  });
});
