// The Graph reader against the fake Graph server on loopback: paging, devices delta with deletions and a
// 410 resync, $batch with per-item failures and retries, 429 with and without Retry-After, a throttled
// tenant that finishes with no request over the reports-class limit, missing permissions and licence.
// Time is virtual (FakeClock): assertions use the fake's request timestamps, never wall-clock sleeps.
import { afterEach, describe, expect, it } from 'vitest';
import { GraphClient } from '../../../collector/tenant/http.ts';
import { joinPc, prepare } from '../../../collector/tenant/join.ts';
import { DEVICES_DELTA } from '../../../collector/tenant/read.ts';
import { Device } from '../../../collector/tenant/schemas.ts';
import { FakeClock } from '../../../sim/graph/clock.ts';
import { SECOND_UPN, SECOND_USER_ID, devicesJson, fido2MethodsJson, usersJson } from '../../../sim/graph/fixtures.ts';
import { ALL_ROLES, setup, stopFakes } from '../../../sim/graph/harness.ts';
import type { FakeGraph } from '../../../sim/graph/fake-graph.ts';
import { DEVICE_ID, EXCLUDE_GROUP, INCLUDE_GROUP, NOW, UPN, USER_ID, pc } from '../../../sim/graph/snapshots.ts';

afterEach(stopFakes);

/** Largest number of reports-class arrivals in any 10 s window, from the fake's log. */
function maxReportsPer10s(fake: FakeGraph): number {
  const at = fake.log.filter((r) => r.reportsClass).map((r) => r.at).sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < at.length; i++) {
    while (at[i]! - at[j]! >= 10_000) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

describe('Graph reader against the fake Graph', () => {
  it('reads the ready tenant, following every page, and the join answers ready-proven', async () => {
    const { fake, read } = await setup();
    const result = await read();
    const snap = result.snapshot;
    expect(snap.policy.status).toBe('ok');
    expect(snap.devices.status === 'ok' && snap.devices.value.size).toBe(7);
    expect(snap.devices.status === 'ok' && snap.devices.value.get(DEVICE_ID)?.trustType).toBe('ServerAd');
    expect(snap.groups.status === 'ok' && [...snap.groups.value.get(INCLUDE_GROUP)!.members]).toEqual([USER_ID, SECOND_USER_ID]);
    // Pages of 2: devices took 4 requests, the opaque skip tokens followed as given.
    expect(fake.log.filter((r) => r.path === '/v1.0/devices/delta')).toHaveLength(4);
    expect(fake.log.filter((r) => r.path.endsWith('/transitiveMembers/microsoft.graph.user')).every((r) => r.consistencyLevel === 'eventual')).toBe(true);
    // Only the users seen on PCs had their keys read, in one batch.
    expect(fake.log.filter((r) => r.path.endsWith('/fido2Methods')).map((r) => r.viaBatch)).toEqual([true]);
    const answer = joinPc(pc(), prepare(snap), NOW);
    expect(answer.overall).toBe('ready-proven');
    const megan = joinPc(pc({ user: SECOND_UPN, deviceId: 'e0000000-0000-4000-8000-000000000001', joinType: 'entra' }), prepare(snap), NOW);
    expect(megan.blocking).toEqual(['no-security-key-registered']);
    expect(megan.verdicts[0]?.fixKey).toBe('tenant.fix.no-security-key-registered.tap');
  });

  it('devices delta: only changes the second time, deletions removed, and a full resync after 410', async () => {
    const { fake, read } = await setup();
    const first = await read();
    fake.upsertDevice({ ...devicesJson()[1], accountEnabled: false });
    fake.deleteDevice('d0000000-0000-4000-8000-000000000000');
    const before = fake.log.length;
    const second = await read([UPN], first);
    const deltaCalls = fake.log.slice(before).filter((r) => r.path === '/v1.0/devices/delta');
    expect(deltaCalls).toHaveLength(1);
    expect(deltaCalls[0]!.query).toContain('$deltatoken=');
    expect(second.snapshot.devices.status === 'ok' && second.snapshot.devices.value.size).toBe(6);
    expect(joinPc(pc(), prepare(second.snapshot), NOW).blocking).toEqual(['device-disabled']);

    fake.expireDeltaOnce = true;
    const third = await read([UPN], second);
    expect(fake.log.some((r) => r.status === 410)).toBe(true);
    expect(third.snapshot.devices.status === 'ok' && third.snapshot.devices.value.size).toBe(6);
    expect(third.devicesDeltaLink).toMatch(/\$deltatoken=/);
  });

  it('a delta link older than 7 days (400 syncStateNotFound) also restarts a full sync', async () => {
    const { fake, client } = await setup();
    const round = await client.delta(DEVICES_DELTA, `${fake.url}/v1.0/devices/delta?$deltatoken=from-last-month`, Device, { cls: 'directory' });
    expect(round).toMatchObject({ resynced: true, removed: [] });
    expect(round.items).toHaveLength(7);
    expect(fake.log[1]).toMatchObject({ path: '/v1.0/devices/delta', status: 400 });
  });

  it('a connection that fails is retried with backoff, then reported', async () => {
    const clock = new FakeClock(0);
    const tokens = { getToken: async () => 'x', invalidate: () => undefined };
    const closed = new GraphClient({ root: 'http://127.0.0.1:1', tokens, clock, maxTries: 3, random: () => 0.5 });
    await expect(closed.get('/v1.0/policies/authenticationMethodsPolicy', Device, { cls: 'directory' })).rejects.toThrow(/fetch failed/);
    expect(clock.now()).toBe(1_000 + 2_000);
  });

  it('a rebuilt next link is refused by the fake, and a link to another host is never followed', async () => {
    const { fake, client } = await setup();
    await expect(client.getAll('/v1.0/devices/delta?$skiptoken=made-up', Device, { cls: 'directory' })).rejects.toThrow(/400/);
    const tokens = { getToken: async () => 'x', invalidate: () => undefined };
    const other = new GraphClient({ root: 'http://127.0.0.1:1', tokens });
    await expect(other.delta(DEVICES_DELTA, `${fake.url}/v1.0/devices/delta?$deltatoken=x`, Device, { cls: 'directory' })).rejects.toThrow(/outside/);
  });

  it('$batch: a throttled item is retried after its Retry-After, failed items stay per user, outer 424 read too', async () => {
    const { fake, clock, read } = await setup({ users: [...usersJson, { id: 'c0000000-0000-4000-8000-000000000003', userPrincipalName: 'ghost@contoso.com', userType: 'Member', accountEnabled: true }] });
    fake.batchFailureStatus = 424;
    fake.fail(new RegExp(`/users/${USER_ID}/authentication/fido2Methods$`), 1, 429, 7);
    const start = clock.now();
    const { snapshot } = await read([UPN, SECOND_UPN, 'ghost@contoso.com']);
    const calls = fake.log.filter((r) => r.path === `/v1.0/users/${USER_ID}/authentication/fido2Methods`);
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(7_000);
    expect(clock.now() - start).toBeGreaterThanOrEqual(7_000);
    expect(snapshot.fido2Methods.get(USER_ID)?.status).toBe('ok');
    // The ghost has no methods resource (404): unknown for that user only.
    expect(snapshot.fido2Methods.get('c0000000-0000-4000-8000-000000000003')).toMatchObject({ status: 'unknown', missing: { kind: 'error' } });
  });

  it('429 and 503 without Retry-After back off exponentially, then succeed', async () => {
    const { fake, clock, read } = await setup();
    fake.fail(/^\/v1\.0\/policies\/authenticationMethodsPolicy$/, 2, 503, null);
    await read([UPN]);
    const calls = fake.log.filter((r) => r.path === '/v1.0/policies/authenticationMethodsPolicy');
    expect(calls.map((c) => c.status)).toEqual([503, 503, 200]);
    // Full jitter with random() = 0.5: 1 s, then 2 s.
    expect(calls[1]!.at - calls[0]!.at).toBe(1_000);
    expect(calls[2]!.at - calls[1]!.at).toBe(2_000);
    expect(clock.sleeps.length).toBeGreaterThan(0);
  });

  it('a throttled tenant: the reader slows down, finishes, and never goes over 5 reports-class requests per 10 s', async () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ id: `f0000000-0000-4000-8000-${String(i).padStart(12, '0')}`, userPrincipalName: `user${i}@contoso.com`, userType: 'Member', accountEnabled: true }));
    const { fake, clock, read } = await setup({
      users: many,
      registration: many.map((u) => ({ id: u.id, userPrincipalName: u.userPrincipalName, isMfaRegistered: true, methodsRegistered: ['passKeyDeviceBound'] })),
      fido2Methods: new Map(many.map((u) => [u.id, fido2MethodsJson.get(USER_ID)!])),
      groups: new Map([[INCLUDE_GROUP, many.map((u) => u.id)], [EXCLUDE_GROUP, []]]),
    });
    fake.fail(/\/auditLogs\/signIns$/, 1, 429, 3);
    const start = clock.now();
    const { snapshot } = await read(many.map((u) => u.userPrincipalName));
    expect(fake.overLimit).toBe(0);
    expect(maxReportsPer10s(fake)).toBeLessThanOrEqual(5);
    // 20 registration pages + 40 users' keys + 1 sign-in page (+1 scripted 429) = 62 reports-class requests ≥ 110 s.
    expect(fake.log.filter((r) => r.reportsClass).length).toBeGreaterThanOrEqual(62);
    expect(clock.now() - start).toBeGreaterThan(110_000);
    expect([...snapshot.fido2Methods.values()].every((f) => f.status === 'ok')).toBe(true);
    expect(snapshot.signIns.status).toBe('ok');
  });

  it('a missing permission and a missing P1 licence become named unknowns, not crashes', async () => {
    const { read } = await setup({ roles: ALL_ROLES.filter((r) => r !== 'Policy.Read.AuthenticationMethod'), premium: false });
    const { snapshot } = await read([UPN]);
    expect(snapshot.policy).toMatchObject({ status: 'unknown', missing: { kind: 'permission', name: 'Policy.Read.AuthenticationMethod' } });
    expect(snapshot.signIns).toMatchObject({ status: 'unknown', missing: { kind: 'licence', name: 'Microsoft Entra ID P1 or P2' } });
    const answer = joinPc(pc(), prepare(snapshot), NOW);
    expect(answer.overall).toBe('unknown');
    expect(answer.missing).toContainEqual({ kind: 'permission', name: 'Policy.Read.AuthenticationMethod' });

    const noLicence = await (await setup({ premium: false })).read([UPN]);
    const a = joinPc(pc(), prepare(noLicence.snapshot), NOW);
    expect(a.overall).toBe('ready-not-proven');
    expect(a.missing).toContainEqual({ kind: 'licence', name: 'Microsoft Entra ID P1 or P2' });
  });

  it('a 401 drops the cached token once and retries with a fresh one', async () => {
    const { fake, read } = await setup({}, { staleToken: 'stale.e30.' });
    const { snapshot } = await read([UPN]);
    expect(snapshot.policy.status).toBe('ok');
    expect(fake.log.slice(0, 3).map((r) => `${r.status} ${r.path}`)).toEqual([
      '401 /v1.0/policies/authenticationMethodsPolicy', `200 /${fake.tenant.tenantId}/oauth2/v2.0/token`, '200 /v1.0/policies/authenticationMethodsPolicy',
    ]);
  });

  it('a deleted target group is read as missing, and its members are not targeted', async () => {
    const { read } = await setup({ groups: new Map([[EXCLUDE_GROUP, []]]) });
    const { snapshot } = await read([UPN]);
    const answer = joinPc(pc(), prepare(snapshot), NOW);
    expect(answer.verdicts.map((v) => v.id)).toContain('policy-target-group-missing');
    expect(answer.blocking).toEqual(['user-not-in-fido2-targets']);
  });
});
