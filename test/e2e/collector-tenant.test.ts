// Issue 13 end to end: the fake Graph + token server (HTTPS, test CA), a built collector process
// configured against it (certificate credential, a fast poll interval), simulated agents reporting their
// PCs, and GET /api/devices/ID answering the tenant join for each PC × user × last key seen.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceDetail, InstructionSheet, Summary, UserList, type DeviceTenant } from '../../protocol/api.ts';
import { graphProcessEnv, makeCertificates, type TestCertificates } from '../../sim/graph/certs.ts';
import { FakeGraph, type FakeTenant } from '../../sim/graph/fake-graph.ts';
import { CLIENT_ID, SECOND_UPN, devicesJson, fido2MethodsJson, policyJson, registrationJson, usersJson } from '../../sim/graph/fixtures.ts';
import { ALL_ROLES, tenant } from '../../sim/graph/harness.ts';
import { ATKEY_CARD, ATKEY_PRO, ATKEY_PROS, DEFAULT_PROFILE, DEVICE_ID, EXCLUDE_GROUP, INCLUDE_GROUP, TENANT, UPN, USER_ID } from '../../sim/graph/snapshots.ts';
import { ATKEY_PRO as ATKEY_PRO_KEY, makeReport } from '../../sim/fleet/reports.ts';
import { SimAgent } from '../../sim/fleet/sim-agent.ts';
import { startCollectorProcess, type CollectorProcess } from '../../sim/processes/collector-process.ts';
import { ApiClient } from '../support/api-client.ts';
import { eventually } from '../support/eventually.ts';
import { requireTool } from '../support/prerequisites.ts';
import { CHROMIUM, launchChromium, signIn } from '../../sim/processes/browser.ts';
import { t } from '../../protocol/i18n/index.ts';
import { FIRST_READ_PENDING } from '../../protocol/tenant.ts';

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

/** One tenant holding every per-user and per-device scenario: a group (and a passkey profile) per case. */
const DELETED_GROUP = '6f0c2c1e-1111-4a2b-9c3d-0000000000de';
const PENDING_DEVICE = 'b0000000-0000-4000-8000-00000000000a';
const DISABLED_DEVICE = 'b0000000-0000-4000-8000-00000000000d';
const mixedUsers = {
  excluded: { id: 'a1b2c3d4-0000-4000-8000-000000000011', upn: 'excluded@contoso.com', group: INCLUDE_GROUP },
  allowList: { id: 'a1b2c3d4-0000-4000-8000-000000000012', upn: 'allowlist@contoso.com', group: '6f0c2c1e-1111-4a2b-9c3d-0000000000a1' },
  blockList: { id: 'a1b2c3d4-0000-4000-8000-000000000013', upn: 'blocklist@contoso.com', group: '6f0c2c1e-1111-4a2b-9c3d-0000000000b1' },
  synced: { id: 'a1b2c3d4-0000-4000-8000-000000000014', upn: 'synced@contoso.com', group: '6f0c2c1e-1111-4a2b-9c3d-0000000000c1' },
};
const profile = (id: string, name: string, passkeyTypes: string, enforcementType: string, aaGuids: string[]) =>
  ({ id, name, passkeyTypes, attestationEnforcement: 'registrationOnly', keyRestrictions: { isEnforced: true, enforcementType, aaGuids } });
const mixed: Partial<FakeTenant> = {
  policy: policyJson({
    includeTargets: [
      { targetType: 'group', id: INCLUDE_GROUP, isRegistrationRequired: false, allowedPasskeyProfiles: [DEFAULT_PROFILE] },
      { targetType: 'group', id: mixedUsers.allowList.group, isRegistrationRequired: false, allowedPasskeyProfiles: ['p-allow'] },
      { targetType: 'group', id: mixedUsers.blockList.group, isRegistrationRequired: false, allowedPasskeyProfiles: ['p-block'] },
      { targetType: 'group', id: mixedUsers.synced.group, isRegistrationRequired: false, allowedPasskeyProfiles: ['p-synced'] },
      { targetType: 'group', id: DELETED_GROUP, isRegistrationRequired: false, allowedPasskeyProfiles: [DEFAULT_PROFILE] },
    ],
    passkeyProfiles: [
      profile(DEFAULT_PROFILE, 'Default passkey profile', 'deviceBound', 'allow', [ATKEY_PRO, ATKEY_PROS]),
      profile('p-allow', 'Cards only', 'deviceBound', 'allow', [ATKEY_CARD]),
      profile('p-block', 'No ATKey.Pro', 'deviceBound', 'block', [ATKEY_PRO]),
      profile('p-synced', 'Synced passkeys only', 'synced', 'allow', []),
    ],
  }),
  groups: new Map([
    [INCLUDE_GROUP, [USER_ID, mixedUsers.excluded.id]],
    [EXCLUDE_GROUP, [mixedUsers.excluded.id]],
    ...Object.values(mixedUsers).filter((u) => u.group !== INCLUDE_GROUP).map((u) => [u.group, [u.id]] as [string, string[]]),
  ]),
  users: [...usersJson, ...Object.values(mixedUsers).map((u) => ({ id: u.id, userPrincipalName: u.upn, userType: 'Member', accountEnabled: true }))],
  registration: [...registrationJson, ...Object.values(mixedUsers).map((u) => ({ ...registrationJson[0]!, id: u.id, userPrincipalName: u.upn }))],
  fido2Methods: new Map([...fido2MethodsJson, ...Object.values(mixedUsers).map((u) => [u.id, fido2MethodsJson.get(USER_ID)!] as [string, unknown[]])]),
};
/** Graph §3.3's Windows PC fixture twice more: a hybrid join still pending, and a disabled device. */
const mixedDevices = [
  { ...devicesJson()[1]!, id: 'c9d9f9b3-0c91-4080-b392-00000000000a', deviceId: PENDING_DEVICE, displayName: 'PC-PENDING', registrationDateTime: null },
  { ...devicesJson()[1]!, id: 'c9d9f9b3-0c91-4080-b392-00000000000d', deviceId: DISABLED_DEVICE, displayName: 'PC-DISABLED', accountEnabled: false },
];

describe.skipIf(!openssl.available)('tenant join through a collector process against the fake Graph', () => {
  let certs: TestCertificates;
  const fakes: FakeGraph[] = [];
  const collectors: CollectorProcess[] = [];
  const agents: SimAgent[] = [];
  const dirs: string[] = [];
  /** The first scenario's collector and PCs, for the dashboard's look at them. */
  let shared: { collector: CollectorProcess; api: ApiClient; noKey: string } | null = null;
  /** The collector without a P1 licence nor the keys' permission, for the dashboard's look at it. */
  let degraded: { collector: CollectorProcess; deviceId: string } | null = null;

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
  async function collectorFor(t: Partial<FakeTenant>, devices = devicesJson(), script?: (fake: FakeGraph) => void): Promise<{ collector: CollectorProcess; api: ApiClient; fake: FakeGraph }> {
    const fake = new FakeGraph({
      tenant: tenant({ appCertificate: certs.appCert, clientSecret: null, ...t }),
      devices,
      now: () => Date.now(),
      tls: { key: certs.serverKey, cert: certs.serverCert },
    });
    script?.(fake);
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
    return { collector, api: await ApiClient.login(collector.url, collector.adminPassword!), fake };
  }

  /** A PC of the tenant (by default PC-TOKYO-0042's Entra device id) whose user carries an ATKey.Pro CTAP2.1. */
  async function pc(collector: CollectorProcess, hostname: string, user: string, entraDeviceId = DEVICE_ID): Promise<string> {
    const report = makeReport({ hostname, user, keys: [{ ...ATKEY_PRO_KEY, aaguid: ATKEY_PRO, model: 'ATKey.Pro CTAP2.1' }] });
    report.facts.join.deviceId = entraDeviceId;
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
  /** Read (not still waiting for the first read) and the user's keys known. */
  const keysRead = (t: DeviceTenant) => !t.missing.some((m) => m.name === FIRST_READ_PENDING.name) && !t.verdicts.some((v) => v.id === 'tenant-data-unavailable');

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
    // Instruction sheets ask for the registration only of whom Entra holds no key, and plainly then.
    const sheet = async (user: string) => InstructionSheet.parse(await api.get(`/api/instructions/user?user=${encodeURIComponent(user)}&lang=en`));
    expect((await sheet(UPN)).steps.map((s) => s.kind)).not.toContain('register');
    const register = (await sheet(SECOND_UPN)).steps.find((s) => s.kind === 'register');
    expect(register?.lines).toHaveLength(1);
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

  it('one tenant, every per-user and per-device scenario: excluded, allow list without the key, block list with it, profile without device-bound keys, pending and disabled devices, a deleted target group; throttled, it slows down and finishes', async () => {
    const { collector, api, fake } = await collectorFor(mixed, [...devicesJson(), ...mixedDevices], (f) => f.fail(/^\/v1\.0\/devices\/delta$/, 1, 429, 1));
    const ids = {
      excluded: await pc(collector, 'PC-EXCL', mixedUsers.excluded.upn),
      allowList: await pc(collector, 'PC-ALLOW', mixedUsers.allowList.upn),
      blockList: await pc(collector, 'PC-BLOCK', mixedUsers.blockList.upn),
      synced: await pc(collector, 'PC-SYNCED', mixedUsers.synced.upn),
      pending: await pc(collector, 'PC-PENDING', UPN, PENDING_DEVICE),
      disabled: await pc(collector, 'PC-DISABLED', UPN, DISABLED_DEVICE),
    };
    const expected: Record<keyof typeof ids, string> = {
      excluded: 'user-excluded-from-fido2',
      allowList: 'key-model-blocked',
      blockList: 'key-model-blocked',
      synced: 'key-type-not-allowed',
      pending: 'device-pending-registration',
      disabled: 'device-disabled',
    };
    for (const [name, id] of Object.entries(ids) as [keyof typeof ids, string][]) {
      // Settled once the PC's user has been looked up (a user new on a PC is read on the next tick).
      const answer = await tenantOf(api, id, (t) => keysRead(t) && !t.verdicts.some((v) => v.id === 'user-unknown'));
      expect(answer.blocking, name).toEqual([expected[name]]);
      expect(answer.pc.overall, name).toBe('blocked');
      // The deleted include group is named on every PC: that part of the policy does nothing.
      expect(answer.verdicts.find((v) => v.id === 'policy-target-group-missing')?.params, name).toEqual({ group: DELETED_GROUP });
      if (name === 'allowList' || name === 'blockList') {
        expect(answer.verdicts.find((v) => v.id === 'key-model-blocked')?.params).toMatchObject({ aaguid: ATKEY_PRO, list: name === 'allowList' ? 'allow' : 'block' });
      }
    }
    // Six users' keys, the registration report and the sign-ins: more reports-class reads than 5 per 10 s.
    // The poller paced them (the fake refused none for the class limit) and finished.
    const reports = fake.log.filter((r) => r.reportsClass);
    expect(reports.length).toBeGreaterThan(5);
    expect(fake.overLimit).toBe(0);
    for (const r of reports) expect(reports.filter((o) => o.at > r.at - 10_000 && o.at <= r.at).length).toBeLessThanOrEqual(5);
    // A scripted 429 with Retry-After on the devices read: retried after it, and the PCs were judged all the same.
    expect(fake.log.some((r) => r.path === '/v1.0/devices/delta' && r.status === 429)).toBe(true);
    const summary = Summary.parse((await api.request('GET', '/api/summary')).body);
    expect(summary.tenant!.include.find((g) => g.id === DELETED_GROUP)).toMatchObject({ exists: false });
  }, 60_000);

  it('no P1 licence and a permission not granted: named on the PC (the licence for sign-in evidence, the permission for the keys)', async () => {
    const { collector, api } = await collectorFor({ premium: false, roles: ALL_ROLES.filter((r) => r !== 'UserAuthMethod-Passkey.Read.All') });
    const id = await pc(collector, 'PC-TOKYO-0042', UPN);
    const answer = await tenantOf(api, id, (t) => t.verdicts.some((v) => v.id === 'signin-evidence-unavailable') && t.missing.some((m) => m.kind === 'permission'));
    expect(answer.missing).toEqual(expect.arrayContaining([
      { kind: 'licence', name: expect.stringMatching(/P1/) },
      { kind: 'permission', name: 'UserAuthMethod-Passkey.Read.All' },
    ]));
    expect(answer.verdicts.find((v) => v.id === 'signin-evidence-unavailable')).toMatchObject({ status: 'unknown', params: { kind: 'licence' } });
    // Without the keys a PC is never called ready: it is unknown, with what is missing named.
    expect(answer.overall).toBe('unknown');
    expect(answer.pc.missing).toContainEqual({ kind: 'permission', name: 'UserAuthMethod-Passkey.Read.All' });
    degraded = { collector, deviceId: id };
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
      // Groups by their display names (read with GroupMember.Read.All), not their object ids.
      expect(await panel.locator('[data-fact="include"]').textContent({ timeout: 5_000 })).toMatch(/^group "Passkey pilot — Tokyo \(パスキー先行導入\)" \(\d+ members\)$/);
      expect(await panel.locator('[data-fact="exclude"]').textContent({ timeout: 5_000 })).toBe('group "Passkey exceptions" (0 members)');
      expect(await panel.locator('[data-fact="models"]').textContent({ timeout: 5_000 })).toBe('2 of 5 (passkey profiles): ATKey.Pro CTAP2.1, ATKey.ProS');
      expect(await panel.locator('[data-fact="age"]').textContent({ timeout: 5_000 })).toMatch(/^Entra data read /);
      await panel.screenshot({ path: join(ARTIFACTS, 'dashboard-overview-tenant-en.png') });
      await page.getByLabel('Language').selectOption('ja');
      await expect.poll(() => panel.locator('[data-fact="exclude"]').textContent()).toBe('グループ「Passkey exceptions」(メンバー 0 人)');
      await panel.screenshot({ path: join(ARTIFACTS, 'dashboard-overview-tenant-ja.png') });
      await page.getByLabel('言語').selectOption('en');

      // A permission not granted is named on the PC page, in the admin's words.
      const { collector: other, deviceId } = degraded!;
      await signIn(page, other.url, other.adminPassword!);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor({ state: 'detached' });
      await page.goto(`${other.url}/#/device/${deviceId}`);
      const missing = page.locator('section[data-tenant] li[data-verdict="tenant-data-unavailable"] h4');
      await expect.poll(() => missing.first().textContent()).toBe('Microsoft Entra data (fido2Methods) could not be read: the application permission UserAuthMethod-Passkey.Read.All is not granted.');
      await page.locator('section[data-tenant]').screenshot({ path: join(ARTIFACTS, 'dashboard-device-tenant-missing-permission-en.png') });
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
