// `keyready-collector graph-check` as an admin runs it: the built collector against the fake Graph +
// token server over HTTPS (the test CA through NODE_EXTRA_CA_CERTS, read by Node only at start, hence a
// child process), with the app's certificate; the exit code says granted / missing / could not check.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphProcessEnv, makeCertificates, type TestCertificates } from '../../sim/graph/certs.ts';
import { FakeGraph } from '../../sim/graph/fake-graph.ts';
import { ALL_ROLES, tenant } from '../../sim/graph/harness.ts';
import { CLIENT_ID } from '../../sim/graph/fixtures.ts';
import { TENANT } from '../../sim/graph/snapshots.ts';
import { requireTool } from '../support/prerequisites.ts';

const openssl = requireTool('openssl', 'openssl');
const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'keyready-collector.js');

function collector(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000, env: { PATH: process.env.PATH, ...env } }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}
const graphCheck = (env: Record<string, string>) => collector(['graph-check'], env);

describe.skipIf(!openssl.available)('keyready-collector graph-check', () => {
  let certs: TestCertificates;
  let fake: FakeGraph;
  let env: Record<string, string>;

  beforeAll(async () => {
    certs = makeCertificates(openssl.path!);
    fake = new FakeGraph({
      tenant: tenant({ appCertificate: certs.appCert, clientSecret: null }),
      devices: [],
      now: () => Date.now(),
      tls: { key: certs.serverKey, cert: certs.serverCert },
    });
    await fake.start();
    env = graphProcessEnv(fake.url, certs, TENANT, CLIENT_ID);
  });

  afterAll(async () => {
    await fake?.stop();
    certs?.cleanup();
  });

  it('exits 0 and lists every permission as granted when all are', async () => {
    fake.tenant.roles = ALL_ROLES;
    const run = await graphCheck(env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Token: ok');
    expect(run.stdout).toMatch(/granted {2}UserAuthMethod-Passkey\.Read\.All — for fido2Methods/);
    expect(run.stdout).not.toContain('MISSING');
  });

  it('exits 1 and names each missing permission, accepting a broader one that covers a read', async () => {
    fake.tenant.roles = ['Policy.Read.AuthenticationMethod', 'Directory.Read.All'];
    const run = await graphCheck(env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/granted {2}Device\.Read\.All \(via Directory\.Read\.All\)/);
    expect(run.stdout).toMatch(/MISSING {2}AuditLog\.Read\.All — for registration, signIns/);
    expect(run.stdout).toMatch(/MISSING {2}UserAuthMethod-Passkey\.Read\.All/);
    expect(run.stdout).toContain('2 permission(s) missing');
  });

  it('exits 2 with the reason when the credentials are refused or the join is not configured', async () => {
    const registered = fake.tenant.appCertificate;
    fake.tenant.appCertificate = certs.serverCert;
    try {
      const run = await graphCheck(env);
      expect(run.code).toBe(2);
      expect(run.stdout).toContain('graph-check: could not get a token');
    } finally {
      fake.tenant.appCertificate = registered;
    }
    const off = await graphCheck({});
    expect(off.code).toBe(2);
    expect(off.stdout).toContain('the tenant join is off');
  });

  it('refuses to start with a --graph-cert it cannot use: exit 2 (a settings error), naming the file problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyready-badcert-'));
    try {
      const notPem = join(dir, 'app.pem');
      writeFileSync(notPem, 'not a certificate\n');
      const args = ['--port', '0', '--data-dir', dir];
      for (const cert of [notPem, join(dir, 'missing.pem')]) {
        const run = await collector(args, { ...env, KEYREADY_GRAPH_CERT: cert });
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toMatch(/^keyready-collector: the Microsoft Graph settings cannot be used: /);
      }
      expect((await collector(args, { ...env, KEYREADY_GRAPH_CERT: notPem })).stderr).toContain('no CERTIFICATE block');
      // Refused before anything was created: no database, no enrolment secret.
      expect(readdirSync(dir).sort()).toEqual(['app.pem']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
