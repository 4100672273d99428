// Graph settings, cloud endpoints, the client-side throttle and the small parsers of the Graph client.
import { describe, expect, it } from 'vitest';
import { endpointsFor } from '../../../../collector/tenant/clouds.ts';
import { parseGraphSettings } from '../../../../collector/tenant/config.ts';
import { resourceUnits, retryAfterMs } from '../../../../collector/tenant/http.ts';
import { Throttle } from '../../../../collector/tenant/limits.ts';
import { permissionReport } from '../../../../collector/tenant/permissions.ts';
import { scheduleSeconds, syncSchedule } from '../../../../collector/tenant/schedule.ts';
import { parseCertificatePem } from '../../../../collector/tenant/token.ts';
import { FakeClock } from '../../../../sim/graph/clock.ts';

const TENANT = '72F988BF-86F1-41AF-91AB-2D7CD011DB47';
const CLIENT = '0e6a0f6b-5a2c-4c1e-9f3e-3a1d2b4c5d6e';

describe('Graph settings', () => {
  it('is off without a tenant id, and a flag wins over its variable', () => {
    expect(parseGraphSettings({}, {})).toBeNull();
    const s = parseGraphSettings({ 'graph-cloud': 'usgov' }, { KEYREADY_GRAPH_TENANT_ID: TENANT, KEYREADY_GRAPH_CLIENT_ID: CLIENT, KEYREADY_GRAPH_CERT: '/etc/k.pem', KEYREADY_GRAPH_CLOUD: 'china' });
    expect(s).toEqual({ tenantId: TENANT.toLowerCase(), clientId: CLIENT, credential: { kind: 'certificate', path: '/etc/k.pem' }, cloud: 'usgov' });
  });

  it('takes a secret only from the environment, and only when there is no certificate', () => {
    const env = { KEYREADY_GRAPH_CLIENT_SECRET: 's3cret' };
    expect(parseGraphSettings({ 'graph-tenant-id': TENANT, 'graph-client-id': CLIENT }, env)?.credential).toEqual({ kind: 'secret', secret: 's3cret' });
    expect(parseGraphSettings({ 'graph-tenant-id': TENANT, 'graph-client-id': CLIENT, 'graph-cert': 'c.pem' }, env)?.credential.kind).toBe('certificate');
  });

  it('names every invalid setting', () => {
    expect(() => parseGraphSettings({ 'graph-tenant-id': 'contoso', 'graph-client-id': CLIENT }, {})).toThrow(/--graph-tenant-id: must be a GUID.*--graph-cert/);
    expect(() => parseGraphSettings({ 'graph-tenant-id': TENANT, 'graph-client-id': CLIENT, 'graph-cert': 'c', 'graph-authority-url': 'http://127.0.0.1:1' }, {})).toThrow(/--graph-authority-url must be an https/);
    expect(() => parseGraphSettings({ 'graph-tenant-id': TENANT, 'graph-client-id': CLIENT, 'graph-cert': 'c', 'graph-cloud': 'mars' }, {})).toThrow(/--graph-cloud/);
    // Plain http is allowed for a loopback Graph root only (a local proxy or a test server).
    expect(parseGraphSettings({ 'graph-tenant-id': TENANT, 'graph-client-id': CLIENT, 'graph-cert': 'c', 'graph-base-url': 'http://127.0.0.1:9' }, {})?.baseUrl).toBe('http://127.0.0.1:9');
    expect(() => parseGraphSettings({ 'graph-tenant-id': TENANT, 'graph-client-id': CLIENT, 'graph-cert': 'c', 'graph-base-url': 'http://proxy.example' }, {})).toThrow(/--graph-base-url/);
  });
});

describe('cloud endpoints', () => {
  it('per cloud, with overrides that keep the cloud\'s token scope', () => {
    expect(endpointsFor('china', 't')).toMatchObject({ authority: 'https://login.chinacloudapi.cn/t', graphRoot: 'https://microsoftgraph.chinacloudapi.cn', passkeyApis: false });
    expect(endpointsFor('usgov', 't', { authorityUrl: 'https://127.0.0.1:8443/', baseUrl: 'https://proxy.local/' })).toEqual({
      cloud: 'usgov', authority: 'https://127.0.0.1:8443/t', authorityHost: '127.0.0.1:8443', graphRoot: 'https://proxy.local',
      scope: 'https://graph.microsoft.us/.default', passkeyApis: true,
    });
  });
});

describe('certificate file', () => {
  it('says exactly what is missing', () => {
    expect(() => parseCertificatePem('')).toThrow(/no CERTIFICATE block/);
    expect(() => parseCertificatePem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toThrow(/no PRIVATE KEY block/);
  });
});

describe('throttle', () => {
  it('never lets more than the limit into any window (widened by the arrival margin), sleeping on the clock', async () => {
    const clock = new FakeClock(0);
    const throttle = new Throttle(clock, { reports: { units: 5, windowMs: 10_000 }, directory: { units: 100, windowMs: 10_000 } });
    const sent: number[] = [];
    for (let i = 0; i < 12; i++) {
      await throttle.acquire('reports', 1);
      sent.push(clock.now());
    }
    expect(sent.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(sent[5]).toBe(11_001);
    expect(sent[10]).toBe(22_002);
    await expect(throttle.acquire('reports', 6)).rejects.toThrow(/never fit/);
  });

  it('holds a class paused by a Retry-After', async () => {
    const clock = new FakeClock(0);
    const throttle = new Throttle(clock);
    throttle.pause('directory', 7_000);
    await throttle.acquire('directory', 1);
    expect(clock.now()).toBe(7_000);
  });
});

describe('Graph client parsers', () => {
  it('resource units per the identity-and-access cost table', () => {
    expect(resourceUnits('GET', '/v1.0/groups/g/transitiveMembers/microsoft.graph.user?$select=id')).toBe(4);
    expect(resourceUnits('GET', '/users/alex@contoso.com?$select=id')).toBe(1);
    expect(resourceUnits('GET', '/v1.0/users')).toBe(2);
    expect(resourceUnits('POST', '/v1.0/users/u/checkMemberGroups')).toBe(4);
    expect(resourceUnits('GET', '/v1.0/devices/delta?%24select=id')).toBe(1);
  });

  it('Retry-After in seconds or as an HTTP date', () => {
    expect(retryAfterMs('7', 0)).toBe(7_000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(retryAfterMs('soon', 0)).toBeNull();
    expect(retryAfterMs(null, 0)).toBeNull();
  });
});

describe('graph-check permissions', () => {
  it('names what is granted, through which higher role, and what is missing', () => {
    const lines = permissionReport(['Policy.Read.All', 'Device.Read.All', 'AuditLog.Read.All']);
    expect(lines.find((l) => l.permission === 'Policy.Read.AuthenticationMethod')).toEqual({ permission: 'Policy.Read.AuthenticationMethod', granted: true, via: 'Policy.Read.All', neededFor: ['policy'] });
    expect(lines.find((l) => l.permission === 'AuditLog.Read.All')?.neededFor).toEqual(['registration', 'signIns']);
    expect(lines.filter((l) => !l.granted).map((l) => l.permission)).toEqual(['GroupMember.Read.All', 'User.Read.All', 'UserAuthMethod-Passkey.Read.All']);
  });
});

describe('sync schedule', () => {
  it('charges batched key reads one each to the reports class and adds up the floors', () => {
    const steps = syncSchedule({ users: 100, devices: 400, pcUsers: 20, keyShare: 0.5, targetGroups: 1, groupMembers: 100, signIns: 10, changedDevices: null });
    const keys = steps.find((s) => s.step.startsWith("users' fido2Methods"))!;
    expect(keys).toMatchObject({ cls: 'reports', requests: 10, units: 10, roundTrips: 2, floorSeconds: 11 });
    expect(steps.find((s) => s.step.startsWith('devices/delta'))).toMatchObject({ requests: 2, floorSeconds: 0 });
    expect(scheduleSeconds(steps)).toBe(11);
  });
});
