// A self-signed certificate for the tests of TLS: ECDSA P-256 (what the README recommends), for
// 127.0.0.1 by name and by address, made with the openssl the test found (prerequisites.ts).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Writes cert.pem and key.pem into `dir`; returns their paths. */
export function selfSignedCertificate(openssl: string, dir: string): { cert: string; key: string } {
  const files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  execFileSync(openssl, [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', files.key, '-out', files.cert,
  ], { stdio: 'ignore' });
  return files;
}
