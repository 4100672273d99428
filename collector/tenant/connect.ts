// From validated Graph settings to what every reader needs: the cloud's endpoints and a token source.
// One place, so graph-check, the poller and the manual smoke test authenticate exactly alike.
import { readFileSync } from 'node:fs';
import { endpointsFor, type GraphEndpoints } from './clouds.ts';
import type { GraphSettings } from './config.ts';
import { MsalTokenSource, parseCertificatePem, type AppCredential } from './token.ts';

export interface GraphConnection {
  readonly endpoints: GraphEndpoints;
  readonly tokens: MsalTokenSource;
}

/** Reads the certificate file now, so a bad --graph-cert fails at start with its own message. */
export function connectGraph(settings: GraphSettings): GraphConnection {
  const endpoints = endpointsFor(settings.cloud, settings.tenantId, { authorityUrl: settings.authorityUrl, baseUrl: settings.baseUrl });
  const credential: AppCredential = settings.credential.kind === 'certificate'
    ? { kind: 'certificate', certificate: parseCertificatePem(readFileSync(settings.credential.path, 'utf8')) }
    : settings.credential;
  return { endpoints, tokens: new MsalTokenSource(settings.clientId, credential, endpoints, { customAuthority: settings.authorityUrl !== undefined }) };
}
