// App-only tokens for Graph through MSAL's ConfidentialClientApplication (client credentials), with a
// certificate (reference/graph.md §6.1); a client secret only as the fallback config.ts allows. MSAL
// keeps the token cached in memory; nothing here writes a credential anywhere.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import * as z from 'zod';
import type { GraphEndpoints } from './clouds.ts';
import type { TokenSource } from './http.ts';

export interface CertificateCredential {
  /** PKCS#8 PEM, the form MSAL signs the client assertion with. */
  readonly privateKey: string;
  readonly thumbprintSha256: string;
  /** The certificate PEM, sent as x5c so subject-name/issuer authentication works too. */
  readonly x5c: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;

/** Reads "PEM with the private key and certificate" (--graph-cert); throws a specific message when it is not. */
export function parseCertificatePem(pem: string): CertificateCredential {
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  const cert = blocks.find((b) => b[1] === 'CERTIFICATE')?.[0];
  const key = blocks.find((b) => /PRIVATE KEY$/.test(b[1] ?? ''))?.[0];
  if (!cert) throw new Error('the --graph-cert file has no CERTIFICATE block');
  if (!key) throw new Error('the --graph-cert file has no PRIVATE KEY block (an encrypted key is not supported)');
  const x509 = new X509Certificate(cert);
  const privateKey = createPrivateKey(key);
  if (!x509.checkPrivateKey(privateKey)) throw new Error('the private key in the --graph-cert file does not belong to its certificate');
  // MSAL signs with PS256 when given a SHA-256 thumbprint: that needs an RSA key.
  if (privateKey.asymmetricKeyType !== 'rsa') throw new Error(`the --graph-cert key is ${privateKey.asymmetricKeyType}; Entra app certificates must be RSA`);
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    thumbprintSha256: x509.fingerprint256.replace(/:/g, '').toLowerCase(),
    x5c: cert,
  };
}

export type AppCredential = { readonly kind: 'certificate'; readonly certificate: CertificateCredential } | { readonly kind: 'secret'; readonly secret: string };

export class MsalTokenSource implements TokenSource {
  private readonly app: ConfidentialClientApplication;
  private skipCache = false;

  constructor(
    clientId: string,
    credential: AppCredential,
    private readonly endpoints: GraphEndpoints,
    options: { readonly customAuthority: boolean },
  ) {
    const config: Configuration = {
      auth: {
        clientId,
        authority: endpoints.authority,
        // A custom authority would otherwise send MSAL to Microsoft's instance-discovery host first;
        // as a known authority it reads the authority's own openid-configuration instead.
        ...(options.customAuthority ? { knownAuthorities: [endpoints.authorityHost] } : {}),
        ...(credential.kind === 'certificate'
          ? { clientCertificate: { thumbprintSha256: credential.certificate.thumbprintSha256, privateKey: credential.certificate.privateKey, x5c: credential.certificate.x5c } }
          : { clientSecret: credential.secret }),
      },
      system: { loggerOptions: { piiLoggingEnabled: false } },
    };
    this.app = new ConfidentialClientApplication(config);
  }

  async getToken(): Promise<string> {
    const result = await this.app.acquireTokenByClientCredential({ scopes: [this.endpoints.scope], skipCache: this.skipCache });
    if (!result?.accessToken) throw new Error('the authority returned no access token');
    this.skipCache = false;
    return result.accessToken;
  }

  invalidate(): void {
    this.skipCache = true;
  }
}

const Claims = z.object({ roles: z.array(z.string()).default([]), tid: z.string().optional() });

/** The application permissions an access token carries (its `roles` claim); for graph-check, not for trust. */
export function tokenRoles(accessToken: string): { roles: string[]; tenantId: string | null } {
  const payload = accessToken.split('.')[1];
  if (!payload) throw new Error('the access token is not a JWT');
  const claims = Claims.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  return { roles: claims.roles, tenantId: claims.tid ?? null };
}
