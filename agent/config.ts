// The service's configuration: agent.json (%ProgramData%\KeyReady\agent.json on Windows, in the data
// directory elsewhere), overridden by command-line flags. Every field is validated; a bad file is a
// clear error naming the field, never a half-applied configuration.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, win32 } from 'node:path';
import * as z from 'zod';
import { DEFAULT_BACKOFF } from './link/backoff.ts';
import { OUTBOX_DEFAULTS } from './link/outbox.ts';
import { LOG_DEFAULTS, LOG_LEVELS } from './log.ts';
import { errorText } from '../protocol/error-text.ts';
import { AgentError } from './errors.ts';

/** "sha256/<base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo>" or the certificate's SHA-256 fingerprint in hex. */
export const CERTIFICATE_PIN = /^(sha256\/[A-Za-z0-9+/]{43}=|([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2})$/;

const ms = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback);
const HOUR = 3_600_000;

export const AgentConfigFile = z
  .object({
    collector: z.url({ protocol: /^wss?$/, error: 'collector must be a ws:// or wss:// URL' }).optional(),
    /** Used once, to earn the device token; never sent again while the token is accepted. */
    enrollSecret: z.string().min(1).max(512).optional(),
    /** PEM file of the CA that signed the collector's certificate (a private PKI). */
    caFile: z.string().min(1).optional(),
    /**
     * Allow plain ws:// to a collector that is not on this PC. Off by default: reports carry the
     * user's UPN and the tenant, and the hello the device token (insecureCollector below).
     */
    allowInsecure: z.boolean().default(false),
    /** Trust exactly this collector certificate (self-signed) instead of a CA. */
    certificatePin: z.string().regex(CERTIFICATE_PIN, 'certificatePin must be sha256/<base64 SPKI hash> or a hex SHA-256 fingerprint').optional(),
    /** Shown and filtered on in the dashboard, e.g. { "site": "Osaka", "department": "Sales" }. */
    tags: z
      .record(z.string().min(1).max(64), z.string().max(256))
      .refine((tags) => Object.keys(tags).length <= 32, 'at most 32 tags')
      .default({}),
    intervals: z
      .object({
        /** Full check period (jittered ±10 %). */
        fullCheckMs: ms(10_000, 7 * 24 * HOUR, HOUR),
        /** Cheap re-probe of policy, join and build for changes. */
        reprobeMs: ms(200, HOUR, 60_000),
      })
      .strict()
      .prefault({}),
    reconnect: z
      .object({ baseMs: ms(10, HOUR, DEFAULT_BACKOFF.baseMs), capMs: ms(100, 24 * HOUR, DEFAULT_BACKOFF.capMs) })
      .strict()
      .refine((r) => r.capMs >= r.baseMs, 'reconnect.capMs must not be below reconnect.baseMs')
      .prefault({}),
    outbox: z
      .object({
        maxEntries: z.number().int().min(1).max(100_000).default(OUTBOX_DEFAULTS.maxEntries),
        maxBytes: z.number().int().min(1024 * 1024).max(1024 ** 3).default(OUTBOX_DEFAULTS.maxBytes),
      })
      .strict()
      .prefault({}),
    drain: z
      .object({
        /** Reports sent and not yet acknowledged, at most. */
        window: z.number().int().min(1).max(64).default(8),
        /** Reports sent per second, at most, while draining a backlog after a reconnect. */
        ratePerSecond: z.number().min(0.1).max(1_000).default(20),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(LOG_LEVELS).default(LOG_DEFAULTS.level),
        maxFileBytes: z.number().int().min(64 * 1024).max(1024 ** 3).default(LOG_DEFAULTS.maxFileBytes),
        maxFiles: z.number().int().min(1).max(100).default(LOG_DEFAULTS.maxFiles),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type AgentConfigFile = z.infer<typeof AgentConfigFile>;

/** The resolved configuration the service runs with: a collector is required. */
export type AgentConfig = AgentConfigFile & { collector: string };

/** What the command line may override, and the flag that does it. */
const FLAG_NAMES = {
  collector: '--collector',
  enrollSecret: '--enroll-secret',
  caFile: '--ca-file',
  certificatePin: '--certificate-pin',
} as const;
export type ConfigFlags = Partial<Record<keyof typeof FLAG_NAMES, string>> & { allowInsecure?: boolean };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/** Where the token, outbox, logs and (off Windows) agent.json live. */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, env: Env = process.env): string {
  if (env.KEYREADY_DATA_DIR) return env.KEYREADY_DATA_DIR;
  return platform === 'win32' ? win32.join(env.ProgramData ?? 'C:\\ProgramData', 'KeyReady') : join(homedir(), '.keyready');
}

export function defaultConfigPath(dataDir: string, platform: NodeJS.Platform = process.platform, env: Env = process.env): string {
  return platform === 'win32' ? win32.join(env.ProgramData ?? 'C:\\ProgramData', 'KeyReady', 'agent.json') : join(dataDir, 'agent.json');
}

/**
 * Reads agent.json. A missing file at the default place means "all defaults"; a file named with
 * --config must exist.
 */
export function readConfigFile(path: string, mustExist: boolean): AgentConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (!mustExist && error instanceof Error && 'code' in error && error.code === 'ENOENT') return AgentConfigFile.parse({});
    throw new ConfigError(`cannot read the configuration ${path}: ${errorText(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, '')); // Notepad writes a BOM
  } catch (error) {
    throw new ConfigError(`the configuration ${path} is not valid JSON: ${errorText(error)}`);
  }
  const parsed = AgentConfigFile.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new ConfigError(`the configuration ${path} is invalid:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data;
}

/** A loopback host name or address: traffic to it never leaves this PC. */
function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * The host a configuration would send reports and the device token to in clear — plain ws:// to
 * anything but this PC, without `allowInsecure` — or null when the configuration is acceptable.
 */
export function insecureCollector(config: Pick<AgentConfigFile, 'collector' | 'allowInsecure'>): string | null {
  if (config.allowInsecure || config.collector === undefined) return null;
  const url = new URL(config.collector);
  return url.protocol === 'ws:' && !isLoopback(url.hostname) ? url.hostname : null;
}

/** Refuses a configuration that would send in clear to another host; `how` names the switch that allows it. */
export function requireSecureCollector(config: Pick<AgentConfigFile, 'collector' | 'allowInsecure'>, how: string): void {
  const host = insecureCollector(config);
  if (host !== null) throw new AgentError({ key: 'cli.insecure-collector', params: { url: config.collector ?? '', host, how } });
}

/** Flags win over the file; the flags themselves go through the same validation as the file. */
export function resolveConfig(file: AgentConfigFile, flags: ConfigFlags): AgentConfig {
  const given = Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
  const parsed = AgentConfigFile.safeParse({ ...file, ...given });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0]);
      return `${field in FLAG_NAMES ? FLAG_NAMES[field as keyof typeof FLAG_NAMES] : field}: ${issue.message}`;
    });
    throw new ConfigError(problems.join('\n'));
  }
  const { collector } = parsed.data;
  if (!collector) throw new ConfigError('no collector: pass --collector wss://host:port or set "collector" in agent.json');
  return { ...parsed.data, collector };
}
