// Issue 13 end to end: the fake Graph + token server (HTTPS, test CA), a built collector process
// configured against it (certificate credential, a fast poll interval), simulated agents reporting their
// PCs, and GET /api/devices/ID answering the tenant join for each PC × user × last key seen.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceDetail, Summary, UserList, type DeviceTenant } from '../../protocol/api.ts';
import { graphProcessEnv, makeCertificates, type TestCertificates } from '../../sim/graph/certs.ts';
import { FakeGraph, type FakeTenant } from '../../sim/graph/fake-graph.ts';
import { CLIENT_ID, SECOND_UPN, devicesJson, fido2MethodsJson, policyJson, registrationJson, usersJson } from '../../sim/graph/fixtures.ts';
import { tenant } from '../../sim/graph/harness.ts';
import { ATKEY_PRO, ATKEY_PROS, DEVICE_ID, EXCLUDE_GROUP, INCLUDE_GROUP, TENANT, UPN, USER_ID } from '../../sim/graph/snapshots.ts';
import { ATKEY_PRO as ATKEY_PRO_KEY, makeReport } from '../../sim/fleet/reports.ts';
import { SimAgent } from '../../sim/fleet/sim-agent.ts';
import { startCollectorProcess, type CollectorProcess } from '../../sim/processes/collector-process.ts';
import { ApiClient } from '../support/api-client.ts';
import { eventually } from '../support/eventually.ts';
import { requireTool } from '../support/prerequisites.ts';
import { CHROMIUM, launchChromium, signIn } from '../../sim/processes/browser.ts';
import { t } from '../../protocol/i18n/index.ts';

const openssl = requireTool('openssl', 'openssl');
const chromiumTool = requireTool(CHROMIUM, 'chromium');
const ARTIFACTS = resolve(import.meta.dirname, '..', '..', 'test-artifacts');

/** A third user: a key registered, but in neither target group. */
const OUTSIDER_ID = 'a1b2c3d4-0000-4000-8000-000000000003';
const OUTSIDER_UPN = 'ninag@contoso.com';
const outsider: Partial<FakeTenant> = {
  users: [...usersJson, { id: OUTSIDER_ID, userPrincipalName: 'NinaG@Contoso.com', userType: 'Member', accountEnabled: true }],
  registration: [...registrationJson, { ...registrationJson[0]!, id: OUTSIDER_ID, userPrincipalName: 'NinaG@Contoso.com', userDisplayName: 'Nina Grant' }],
  fido2Methods: new Map([...fido2MethodsJson, [OUTSIDER_ID, fido2MethodsJson.get(USER_ID)!]]),
};

describe.skipIf(!openssl.available)('tenant join through a collector process against the fake Graph', () => {
  let certs: TestCertificates;
  const fakes: FakeGraph[] = [];
  const collectors: CollectorProcess[] = [];
  const agents: SimAgent[] = [];
  const dirs: string[] = [];
  /** The first scenario's collector and PCs, for the dashboard's look at them. */
  let shared: { collector: CollectorProcess; api: ApiClient; noKey: string } | null = null;

  beforeAll(() => {
    certs = makeCertificates(openssl.path!);
  });

  afterAll(async () => {
    for (const agent of agents) await agent.disconnect();
    for (const c of collectors) await c.stop();
    for (const f of fakes) await f.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    certs?.cleanup();
  });

  /** A fake tenant and a collector reading it. */
  async function collectorFor(t: Partial<FakeTenant>): Promise<{ collector: CollectorProcess; api: ApiClient }> {
    const fake = new FakeGraph({
      tenant: tenant({ appCertificate: certs.appCert, clientSecret: null, ...t }),
      devices: devicesJson(),
      now: () => Date.now(),
      tls: { key: certs.serverKey, cert: certs.serverCert },
    });
    fakes.push(fake);
    await fake.start();
    const dir = mkdtempSync(join(tmpdir(), 'keyready-tenant-e2e-'));
    dirs.push(dir);
    const collector = await startCollectorProcess({
      db: `sqlite:${join(dir, 'k.sqlite')}`,
      args: ['--graph-poll-interval', '200'],
      env: graphProcessEnv(fake.url, certs, TENANT, CLIENT_ID),
    });
    collectors.push(collector);
    return { collector, api: await ApiClient.login(collector.url, collector.adminPassword!) };
  }

  /** A PC of the tenant (PC-TOKYO-0042's Entra device id) whose user carries an ATKey.Pro CTAP2.1. */
  async function pc(collector: CollectorProcess, hostname: string, user: string): Promise<string> {
    const report = makeReport({ hostname, user, keys: [{ ...ATKEY_PRO_KEY, aaguid: ATKEY_PRO, model: 'ATKey.Pro CTAP2.1' }] });
    report.facts.join.deviceId = DEVICE_ID;
    const agent = new SimAgent({ url: collector.agentUrl, hostname, makeReport: () => report });
    const { deviceId } = await agent.enroll(collector.enrollSecret!);
    await agent.connect();
    await agent.report();
    agents.push(agent);
    return deviceId;
  }

  /** The device's tenant answer once the poller has read its user's keys. */
  async function tenantOf(api: ApiClient, deviceId: string, settled: (t: DeviceTenant) => boolean): Promise<DeviceTenant> {
    let answer: DeviceTenant | null | undefined;
    await eventually(async () => {
      const res = await api.request('GET', `/api/devices/${deviceId}`);
      expect(res.status).toBe(200);
      answer = DeviceDetail.parse(res.body).tenant;
      expect(answer && settled(answer)).toBe(true);
    }, 30_000);
    return answer!;
  }
  const keysRead = (t: DeviceTenant) => !t.verdicts.some((v) => v.id === 'tenant-data-unavailable');

  it('ready, no key registered, user not in the target group: one tenant, three users', async () => {
    const { collector, api } = await collectorFor(outsider);
    const [ready, noKey, notTargeted] = [await pc(collector, 'PC-TOKYO-0042', UPN), await pc(collector, 'PC-TOKYO-0043', SECOND_UPN), await pc(collector, 'PC-TOKYO-0044', OUTSIDER_UPN)];

    const a = await tenantOf(api, ready, keysRead);
    expect(a.blocking).toEqual([]);
    expect(a.overall).toMatch(/^ready-/);
    expect(a.pc.overall).toMatch(/^ready-/);
    expect(a.snapshotAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(a.keyAaguid).toBe(ATKEY_PRO);

    const b = await tenantOf(api, noKey, keysRead);
    expect(b.blocking).toEqual(['no-security-key-registered']);
    const v = b.verdicts.find((x) => x.id === 'no-security-key-registered')!;
    expect(v).toMatchObject({ status: 'blocker', actor: expect.any(String), step: 3 });
    expect(v.evidence).toBeTruthy();
    expect(b.pc).toMatchObject({ overall: 'blocked', reasons: [{ source: 'tenant', id: 'no-security-key-registered' }] });

    // The overview's tenant panel: step 1 as the stored policy and group reads have it.
    const summary = Summary.parse((await api.request('GET', '/api/summary')).body);
    expect(summary.tenant).toMatchObject({
      fido2: 'enabled',
      missing: null,
      include: [{ id: INCLUDE_GROUP, exists: true }],
      exclude: [{ id: EXCLUDE_GROUP, exists: true }],
      restriction: 'profiles',
      atkeyTotal: 5,
    });
    expect(summary.tenant!.atkeyAdmitted.map((m) => m.aaguid)).toEqual([ATKEY_PRO, ATKEY_PROS]);
    expect(summary.tenant!.ageSeconds).toBeGreaterThanOrEqual(0);

    shared = { collector, api, noKey };
    const c = await tenantOf(api, notTargeted, keysRead);
    expect(c.blocking).toEqual(['user-not-in-fido2-targets']);
    expect(c.overall).toBe('blocked');

    // The users view: one row per user, the tenant's answer stored per PC by the judge.
    await eventually(async () => {
      const users = UserList.parse(await api.get('/api/users?sort=user'));
      expect(users.tenantConnected).toBe(true);
      expect(users.items.map((u) => [u.user, u.verdict, u.heldBy, u.keyRegistered, u.tenant])).toEqual([
        [UPN, 'ready', [], 'yes', a.overall],
        [SECOND_UPN, 'not-ready', ['user'], 'no', 'blocked'],
        [OUTSIDER_UPN, 'not-ready', ['user'], 'yes', 'blocked'],
      ]);
    }, 30_000);
    expect(UserList.parse(await api.get('/api/users?layer=user&verdict=not-ready')).total).toBe(2);
    // The overview's blocking chart counts the tenant's reasons per PC beside the local checks.
    const counted = Summary.parse((await api.request('GET', '/api/summary')).body).tenant!.blocking;
    expect(counted).toEqual(expect.arrayContaining([{ id: 'no-security-key-registered', count: 1 }, { id: 'user-not-in-fido2-targets', count: 1 }]));
  });

  it('method disabled', async () => {
    const { collector, api } = await collectorFor({ policy: policyJson({ state: 'disabled' }) });
    const id = await pc(collector, 'PC-TOKYO-0042', UPN);
    const t = await tenantOf(api, id, keysRead);
    expect(t.blocking).toContain('fido2-method-disabled');
    expect(t.verdicts.find((v) => v.id === 'fido2-method-disabled')).toMatchObject({ status: 'blocker', step: 1, actor: 'admin' });
  });

  it.skipIf(!chromiumTool.available)('the PC page lists the tenant verdicts under "Sign-in for <user> with <key>", in English and Japanese; the overview shows the tenant panel', async () => {
    const { collector, api, noKey } = shared!;
    const tenant = (await tenantOf(api, noKey, keysRead));
    const shown = tenant.verdicts.find((v) => v.id === 'no-security-key-registered')!;
    const browser = await launchChromium(chromiumTool.path ?? CHROMIUM);
    try {
      const page = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } })).newPage();
      await signIn(page, collector.url, collector.adminPassword!);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor({ state: 'detached' });
      await page.goto(`${collector.url}/#/device/${noKey}`);
      const section = page.locator('section[data-tenant]');
      await expect.poll(() => section.getAttribute('data-tenant')).toBe('blocked');
      expect(await section.locator('h2').textContent()).toBe(`Sign-in for ${tenant.user} with ATKey.Pro CTAP2.1`);
      const verdict = section.locator('li[data-verdict="no-security-key-registered"]');
      expect(await verdict.locator('.badge').textContent()).toBe('Blocker');
      expect(await verdict.locator('h4').textContent()).toBe(t('en', shown.textKey, shown.params));
      expect(await verdict.locator('.fix p').textContent()).toBe(t('en', shown.fixKey!, shown.params));
      mkdirSync(ARTIFACTS, { recursive: true });
      await section.screenshot({ path: join(ARTIFACTS, 'dashboard-device-tenant-en.png') });
      await page.getByLabel('Language').selectOption('ja');
      await expect.poll(() => section.locator('h2').textContent()).toBe(`${tenant.user} の ATKey.Pro CTAP2.1 によるサインイン`);
      expect(await verdict.locator('.badge').textContent()).toBe('ブロック');
      await section.screenshot({ path: join(ARTIFACTS, 'dashboard-device-tenant-ja.png') });

      await page.getByLabel('言語').selectOption('en', { timeout: 5_000 });
      await page.goto(`${collector.url}/#/`);
      const panel = page.locator('section[data-tenant-overview]');
      await expect.poll(() => panel.getAttribute('data-tenant-overview', { timeout: 5_000 }), { timeout: 10_000 }).toBe('enabled');
      expect(await panel.locator('[data-fact="method"]').textContent({ timeout: 5_000 })).toBe('On');
      expect(await panel.locator('[data-fact="include"]').textContent({ timeout: 5_000 })).toMatch(new RegExp(`^group ${INCLUDE_GROUP} \\(\\d+ members\\)$`));
      expect(await panel.locator('[data-fact="models"]').textContent({ timeout: 5_000 })).toBe('2 of 5 (passkey profiles): ATKey.Pro CTAP2.1, ATKey.ProS');
      expect(await panel.locator('[data-fact="age"]').textContent({ timeout: 5_000 })).toMatch(/^Entra data read /);
      await panel.screenshot({ path: join(ARTIFACTS, 'dashboard-overview-tenant-en.png') });
    } finally {
      await browser.close();
    }
  });

  it.skipIf(!chromiumTool.available)('the users view shows each user with their PCs, key, Entra registration and what holds them back; a user page lists what each PC needs (en, ja)', async () => {
    const { collector } = shared!;
    const browser = await launchChromium(chromiumTool.path ?? CHROMIUM);
    try {
      const page = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } })).newPage();
      await signIn(page, collector.url, collector.adminPassword!);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor({ state: 'detached' });
      await page.getByRole('link', { name: 'Users' }).click();
      const row = page.locator(`tr[data-user="${SECOND_UPN}"]`);
      await row.waitFor();
      expect(await page.locator('tbody tr').count()).toBe(3);
      expect(await row.locator('[data-registered]').textContent()).toBe('Not registered');
      expect(await row.locator('[data-held-by]').textContent()).toBe('User account');
      expect(await row.locator('[data-key-model]').getAttribute('data-key-model')).toBe('ATKey.Pro CTAP2.1');
      expect(await page.locator(`tr[data-user="${UPN}"] [data-registered]`).textContent()).toBe('Registered');
      // Filter by the layer: only the two users their account holds back.
      await page.getByLabel('Held back by').selectOption('user');
      await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.locator('main').screenshot({ path: join(ARTIFACTS, 'dashboard-users-en.png') });
      await page.getByLabel('Language').selectOption('ja');
      await expect.poll(() => row.locator('[data-registered]').textContent()).toBe('未登録');
      expect(await row.locator('[data-held-by]').textContent()).toBe('ユーザー アカウント');
      await page.locator('main').screenshot({ path: join(ARTIFACTS, 'dashboard-users-ja.png') });

      // The user's page: the PC and the fix, with who acts (the helpdesk or the user, guide step 3).
      await row.locator('th a').click();
      const todo = page.locator('li[data-todo="no-security-key-registered"]');
      await todo.waitFor();
      expect(await todo.getAttribute('data-source')).toBe('tenant');
      expect(await todo.getAttribute('data-actor')).toBe('helpdesk');
      expect(await todo.locator('.badge.actor').textContent()).toBe('ヘルプデスク');
      expect(await todo.locator('.next-fix').textContent()).toMatch(/^ガイドの手順 3: /);
      expect(await page.locator('section[data-pc="PC-TOKYO-0043"]').count()).toBe(1);
      await page.locator('main').screenshot({ path: join(ARTIFACTS, 'dashboard-user-ja.png') });
      await page.getByLabel('言語').selectOption('en');
      await expect.poll(() => todo.locator('.badge.actor').textContent()).toBe('Helpdesk');
      expect(await todo.locator('.next-fix').textContent()).toMatch(/^Guide step 3: .*aka\.ms\/mysecurityinfo/);
      await page.locator('main').screenshot({ path: join(ARTIFACTS, 'dashboard-user-en.png') });

      // The overview's blocking chart ranks the tenant's reasons per PC beside the PC's own checks.
      await page.goto(`${collector.url}/#/`);
      const reason = page.locator('a[data-tenant-reason="no-security-key-registered"]');
      await expect.poll(() => reason.locator('.bar-label').textContent()).toBe('1 PC: No security key registered (Microsoft Entra)');
      expect(await page.locator('a[data-tenant-reason="user-not-in-fido2-targets"] .bar-label').textContent()).toBe('1 PC: User not in a targeted group (Microsoft Entra)');
      await reason.click();
      await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
      expect(page.url()).toContain('layer=user');
      await page.goto(`${collector.url}/#/`);
      await page.getByLabel('Language').selectOption('ja');
      await expect.poll(() => reason.locator('.bar-label').textContent()).toBe('1 台: セキュリティ キーが未登録 (Microsoft Entra)');
      await page.locator('section[aria-labelledby="blocking-title"]').screenshot({ path: join(ARTIFACTS, 'dashboard-overview-blocking-tenant-ja.png') });
    } finally {
      await browser.close();
    }
  });
});
