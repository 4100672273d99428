// Certificates for the fake Graph + token server, made with openssl like the collector's TLS tests: a
// test CA, a server certificate for 127.0.0.1 signed by it (MSAL insists on an https authority), and the
// app's RSA certificate whose key signs MSAL's client assertion.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  readonly dir: string;
  /** The CA file a process trusts through NODE_EXTRA_CA_CERTS. */
  readonly caFile: string;
  readonly serverKey: string;
  readonly serverCert: string;
  /** --graph-cert: the app's private key and certificate in one PEM file. */
  readonly appPemFile: string;
  readonly appCert: string;
  cleanup(): void;
}

export function makeCertificates(openssl: string): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'keyready-fake-graph-'));
  const f = (name: string) => join(dir, name);
  const run = (...args: string[]) => execFileSync(openssl, args, { stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=KeyReady Test CA', '-keyout', f('ca.key'), '-out', f('ca.pem'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', f('server.key'), '-out', f('server.csr'));
  writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  run('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('server.ext'), '-out', f('server.pem'));
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=KeyReady Graph reader', '-keyout', f('app.key'), '-out', f('app.pem'));
  const appCert = readFileSync(f('app.pem'), 'utf8');
  writeFileSync(f('app-with-key.pem'), readFileSync(f('app.key'), 'utf8') + appCert);
  return {
    dir,
    caFile: f('ca.pem'),
    serverKey: readFileSync(f('server.key'), 'utf8'),
    serverCert: readFileSync(f('server.pem'), 'utf8'),
    appPemFile: f('app-with-key.pem'),
    appCert,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The environment of a process (a collector, a token script) pointed at a fake Graph + token server at
 * `fakeUrl` with the app's certificate; Node reads NODE_EXTRA_CA_CERTS only at start, hence a process.
 */
export function graphProcessEnv(fakeUrl: string, certs: TestCertificates, tenantId: string, clientId: string): Record<string, string> {
  return {
    NODE_EXTRA_CA_CERTS: certs.caFile,
    KEYREADY_GRAPH_TENANT_ID: tenantId,
    KEYREADY_GRAPH_CLIENT_ID: clientId,
    KEYREADY_GRAPH_CERT: certs.appPemFile,
    KEYREADY_GRAPH_AUTHORITY_URL: fakeUrl,
    KEYREADY_GRAPH_BASE_URL: fakeUrl,
  };
}
