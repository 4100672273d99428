// How the agent trusts its collector: the system CAs, a private CA file, or a pinned certificate
// (a self-signed collector). A pin is checked before the agent sends anything over the connection.
import { createHash, X509Certificate } from 'node:crypto';

export type CertificatePin = { readonly kind: 'spki' | 'certificate'; readonly sha256: Buffer };

/** Parses a pin validated by the config schema (CERTIFICATE_PIN). */
export function parsePin(pin: string): CertificatePin {
  if (pin.startsWith('sha256/')) return { kind: 'spki', sha256: Buffer.from(pin.slice('sha256/'.length), 'base64') };
  return { kind: 'certificate', sha256: Buffer.from(pin.replaceAll(':', ''), 'hex') };
}

/** The pin of a certificate in the SPKI form (what `openssl … | openssl dgst -sha256 -binary | base64` prints). */
export function spkiPin(certificate: X509Certificate): string {
  const spki = certificate.publicKey.export({ type: 'spki', format: 'der' });
  return `sha256/${createHash('sha256').update(spki).digest('base64')}`;
}

export function matchesPin(certificateDer: Buffer, pin: CertificatePin): boolean {
  const certificate = new X509Certificate(certificateDer);
  const actual =
    pin.kind === 'spki'
      ? parsePin(spkiPin(certificate)).sha256
      : createHash('sha256').update(certificate.raw).digest();
  return actual.equals(pin.sha256);
}
