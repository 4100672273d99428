// How another PC reaches this collector and enrolls: the URLs agents can use, and the commands that
// install or run an agent with them. Printed by `npm start` and served to the empty dashboard
// (collector/api/enroll-info.ts), so both say the same. "localhost" is never offered: on another PC
// it names that PC.
import { hostname, networkInterfaces } from 'node:os';
import pkg from '../../package.json' with { type: 'json' };

/** Where the enrollment secret comes from, for the "where is the secret" hint. */
export type SecretSource = { kind: 'generated'; dataDir: string } | { kind: 'options' };

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[?::1\]?|\[?::ffff:127\.\d+\.\d+\.\d+\]?)$/i;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/** This machine's non-loopback addresses (IPv4 first: what most sites type), then its host name. */
export function machineHosts(): string[] {
  const addresses = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal && !(a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80')))
    .sort((a, b) => Number(a.family === 'IPv6') - Number(b.family === 'IPv6'))
    .map((a) => (a.family === 'IPv6' ? `[${a.address}]` : a.address));
  const name = hostname();
  return [...addresses, ...(name && !isLoopback(name) ? [name] : [])];
}

/**
 * The hosts agents may be told to use: the address the collector listens on when it is one address,
 * else this machine's (`machine`). A loopback-only listener has none another PC could reach.
 */
export function advertisedHosts(listenHost: string, machine: readonly string[]): string[] {
  const wildcard = listenHost === '0.0.0.0' || listenHost === '::';
  if (!wildcard) return isLoopback(listenHost) ? [] : [listenHost.includes(':') ? `[${listenHost}]` : listenHost];
  return [...machine];
}

/** ws(s)://host:port/agent for each host, without repeats. */
export function agentUrls(hosts: readonly string[], port: number, tls: boolean): string[] {
  return [...new Set(hosts.filter((h) => !isLoopback(h)).map((h) => `${tls ? 'wss' : 'ws'}://${h}:${port}/agent`))];
}

/** The command that prints the generated secret, or null when the secrets come from the options. */
export function secretCommand(source: SecretSource): string | null {
  return source.kind === 'generated' ? `keyready-collector show-enroll-secret --data-dir ${quoteArg(source.dataDir)}` : null;
}

/**
 * The agent refuses plain ws:// to another PC unless told to (reports and the device token would travel
 * unencrypted): a collector without TLS can only be reached so, and the printed command says it.
 */
function plain(url: string): boolean {
  return url.startsWith('ws://');
}

/**
 * `keyready-agent run` on another PC (a test PC, a Linux replay), with the secret or its placeholder.
 * The secret is joined to its flag by `=`: a generated one starts with `-` one time in 64 (base64url),
 * and as a separate word the agent's argument parser takes it for an option ("needs a value").
 */
export function agentRunCommand(url: string, secret: string | null): string {
  return `keyready-agent run --collector ${url} --enroll-secret=${secret ?? '<secret>'}${plain(url) ? ' --allow-insecure' : ''}`;
}

/** The MSI's silent install, as the Intune guide and the README give it (one version: the agent's is the package's, like the collector's). */
export function msiInstallCommand(url: string, secret: string | null): string {
  return `msiexec /i KeyReadyAgent-${pkg.version}-x64.msi COLLECTOR_URL=${url} ENROLL_SECRET=${secret ?? '<secret>'}${plain(url) ? ' ALLOW_INSECURE=1' : ''} /qn /l*v "%windir%\\Temp\\KeyReadyAgent-install.log"`;
}

function quoteArg(value: string): string {
  return /^[\w./:\\-]+$/.test(value) ? value : `"${value.replaceAll('"', '\\"')}"`;
}
