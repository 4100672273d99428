// GET /api/enroll-info: what the empty dashboard shows an admin about adding PCs (the MSI command with
// this collector's URL, where the enrollment secret is). The address the browser used comes first
// when another PC could use it too: it is the one the admin already knows reaches the collector.
import type { IncomingMessage } from 'node:http';
import type { EnrollInfo } from '../../protocol/api.ts';
import { agentRunCommand, agentUrls, isLoopback, msiInstallCommand, secretCommand, type SecretSource } from '../shared/enroll-hint.ts';

export interface EnrollHintOptions {
  /** Hosts agents may be told to use (collector/shared/enroll-hint.ts advertisedHosts). */
  hosts: readonly string[];
  secret: SecretSource;
}

export interface EnrollHintContext extends EnrollHintOptions {
  tls: boolean;
  /** The listening port (known once listening). */
  port: () => number;
}

/** The host part of a Host header, or null when it is absent or not a plain host name / address. */
export function hostOf(header: string | undefined): string | null {
  if (!header) return null;
  try {
    const url = new URL(`http://${header}`);
    return url.username || url.password || url.pathname !== '/' ? null : url.hostname;
  } catch {
    return null;
  }
}

export function enrollInfo(hint: EnrollHintContext, req: IncomingMessage): EnrollInfo {
  const browserHost = hostOf(req.headers.host);
  const hosts = browserHost !== null && !isLoopback(browserHost) ? [browserHost, ...hint.hosts] : hint.hosts;
  const urls = agentUrls(hosts, hint.port(), hint.tls);
  const first = urls[0] ?? null;
  return {
    agentUrls: urls,
    msiCommand: first && msiInstallCommand(first, null),
    agentCommand: first && agentRunCommand(first, null),
    secretCommand: secretCommand(hint.secret),
  };
}
