// Starts the fake Graph for a test with a virtual clock and a Graph client that gets its token from the
// fake's own token endpoint (client secret; the MSAL path has its own test), and reads the tenant.
import { GraphClient } from '../../collector/tenant/http.ts';
import { readTenant, type TenantReadResult } from '../../collector/tenant/read.ts';
import { UPN, TENANT } from './snapshots.ts';
import { FakeClock } from './clock.ts';
import { CLIENT_ID, SECOND_UPN, devicesJson, fido2MethodsJson, groupNamesJson, groupsJson, policyJson, registrationJson, signInsJson, usersJson } from './fixtures.ts';
import { FakeGraph, type FakeTenant } from './fake-graph.ts';

export const ALL_ROLES = ['Policy.Read.AuthenticationMethod', 'UserAuthMethod-Passkey.Read.All', 'Device.Read.All', 'GroupMember.Read.All', 'AuditLog.Read.All', 'User.Read.All'];

export function tenant(overrides: Partial<FakeTenant> = {}): FakeTenant {
  return {
    tenantId: TENANT, clientId: CLIENT_ID, appCertificate: null, clientSecret: 'test-secret', roles: ALL_ROLES, premium: true,
    policy: policyJson(), groups: new Map(groupsJson), groupNames: new Map(groupNamesJson), users: usersJson, registration: registrationJson,
    fido2Methods: new Map(fido2MethodsJson), signIns: signInsJson, ...overrides,
  };
}

/** A token straight from the fake's own token endpoint (client secret); `stale` is handed out first, as a cache would after expiry. */
function fakeTokens(fake: FakeGraph, stale: string | null) {
  let cached: string | null = stale;
  return {
    invalidate: () => (cached = null),
    getToken: async () => {
      if (cached) return cached;
      const res = await fetch(`${fake.url}/${TENANT}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: 'test-secret', scope: 'https://graph.microsoft.com/.default' }),
      });
      cached = ((await res.json()) as { access_token: string }).access_token;
      return cached;
    },
  };
}

/** Every fake started here; stop them after each test with stopFakes(). */
const fakes: FakeGraph[] = [];

export async function stopFakes(): Promise<void> {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
}

export async function setup(t: Partial<FakeTenant> = {}, options: { devices?: Record<string, unknown>[]; passkeyApis?: boolean; staleToken?: string; pageSize?: number } = {}) {
  const { devices = devicesJson(5), passkeyApis = true, staleToken = null, pageSize } = options;
  const clock = new FakeClock();
  const fake = new FakeGraph({ tenant: tenant(t), devices, now: () => clock.now(), ...(pageSize ? { pageSize } : {}) });
  fakes.push(fake);
  await fake.start();
  const client = new GraphClient({ root: fake.url, tokens: fakeTokens(fake, staleToken), clock, random: () => 0.5 });
  const read = (pcUsers: string[] = [UPN, SECOND_UPN], prev?: TenantReadResult) => readTenant(client, {
    tenantId: TENANT, passkeyApis, pcUsers, devices: prev?.devicesByObjectId ?? new Map(), devicesDeltaLink: prev?.devicesDeltaLink ?? null,
    signInsSince: new Date('2026-11-23T00:00:00Z'), now: () => new Date(clock.now()).toISOString(),
  });
  return { clock, fake, client, read };
}

