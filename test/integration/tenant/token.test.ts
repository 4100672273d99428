// Token acquisition through MSAL against the fake token server over HTTPS (MSAL refuses an http
// authority), with a real RSA certificate: the fake verifies the client assertion's signature, thumbprint
// and audience. The custom authority is a known authority, so MSAL reads the fake's
// openid-configuration and never calls Microsoft's instance-discovery host (unreachable here).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphProcessEnv, makeCertificates, type TestCertificates } from '../../../sim/graph/certs.ts';
import { CLIENT_ID, groupsJson, policyJson } from '../../../sim/graph/fixtures.ts';
import { FakeGraph } from '../../../sim/graph/fake-graph.ts';
import { requireTool } from '../../support/prerequisites.ts';
import { TENANT } from '../../../sim/graph/snapshots.ts';

const openssl = requireTool('openssl', 'openssl');
const SCRIPT = join(import.meta.dirname, '../../support/acquire-token.ts');

function acquire(fake: FakeGraph, certs: TestCertificates): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', SCRIPT], {
      timeout: 20_000,
      env: { PATH: process.env.PATH ?? '', ...graphProcessEnv(fake.url, certs, TENANT, CLIENT_ID) },
    }, (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }));
  });
}

describe.skipIf(!openssl.available)('MSAL token source against the fake token server', () => {
  let certs: TestCertificates;
  let fake: FakeGraph;

  beforeAll(async () => {
    certs = makeCertificates(openssl.path!);
    fake = new FakeGraph({
      tenant: {
        tenantId: TENANT, clientId: CLIENT_ID, appCertificate: certs.appCert, clientSecret: null, roles: ['Policy.Read.AuthenticationMethod', 'Device.Read.All'],
        premium: true, policy: policyJson(), groups: groupsJson, groupNames: new Map(), users: [], registration: [], fido2Methods: new Map(), signIns: [],
      },
      devices: [],
      now: () => Date.now(),
      tls: { key: certs.serverKey, cert: certs.serverCert },
    });
    await fake.start();
  });

  afterAll(async () => {
    await fake?.stop();
    certs?.cleanup();
  });

  it('gets a token with a certificate-signed client assertion, caches it, and reads Graph with it', async () => {
    const run = await acquire(fake, certs);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      roles: ['Policy.Read.AuthenticationMethod', 'Device.Read.All'], tenantId: TENANT, cached: true,
      missing: ['GroupMember.Read.All', 'User.Read.All', 'AuditLog.Read.All', 'UserAuthMethod-Passkey.Read.All'],
      policyId: 'authenticationMethodsPolicy', scope: 'https://graph.microsoft.com/.default',
    });
    expect(fake.tokenRequests).toEqual([{ ok: true, reason: '', assertion: true }]);
    // Discovery came from the fake itself; nothing else was asked of any authority.
    expect(fake.log.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /${TENANT}/v2.0/.well-known/openid-configuration`,
      `POST /${TENANT}/oauth2/v2.0/token`,
      'GET /v1.0/policies/authenticationMethodsPolicy',
    ]);
  });

  it('is refused when the app registration holds another certificate', async () => {
    const registered = fake.tenant.appCertificate;
    fake.tenant.appCertificate = readFileSync(certs.caFile, 'utf8');
    try {
      const run = await acquire(fake, certs);
      expect(run.code).toBe(1);
      expect(fake.tokenRequests.at(-1)).toEqual({ ok: false, reason: 'x5t#S256 does not name the registered certificate', assertion: true });
    } finally {
      fake.tenant.appCertificate = registered;
    }
  });
});
