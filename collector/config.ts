// The collector's settings from command-line flags and KEYREADY_* environment variables (a flag
// wins over its variable). Everything is parsed here, so the rest of the collector sees typed values.
import { resolve } from 'node:path';
import * as z from 'zod';
import { ROLES, USERNAME_PATTERN, type Role } from '../protocol/api.ts';
import { firstIssue } from '../protocol/zod-issue.ts';
import { parseStoreUrl } from './store/index.ts';
import { GRAPH_FLAGS, parseGraphSettings, type GraphFlag, type GraphSettings } from './tenant/config.ts';

interface FlagSpec {
  env: string;
  repeatable?: boolean;
  help: string;
}

export const FLAGS: Record<string, FlagSpec> = {
  port: { env: 'KEYREADY_PORT', help: 'TCP port for HTTP and WebSocket (default 8080; 0 picks a free one)' },
  host: { env: 'KEYREADY_HOST', help: 'address to listen on (default 0.0.0.0)' },
  'data-dir': { env: 'KEYREADY_DATA_DIR', help: 'owner-only folder of the SQLite file and the generated enrollment secret (default ./data)' },
  db: { env: 'KEYREADY_DB', help: 'sqlite:PATH or postgres://user:pass@host/db (default sqlite:<data-dir>/keyready.sqlite)' },
  'enroll-secret': {
    env: 'KEYREADY_ENROLL_SECRETS',
    repeatable: true,
    help: 'enrollment secret agents must present; repeat (or comma-separate in the variable) to accept several during a rotation',
  },
  'tls-cert': { env: 'KEYREADY_TLS_CERT', help: 'PEM certificate file: serve https:// and wss://' },
  'tls-key': { env: 'KEYREADY_TLS_KEY', help: 'PEM private key file for --tls-cert' },
  'max-connections': { env: 'KEYREADY_MAX_CONNECTIONS', help: 'agent connections at most (default 20000)' },
  'max-handshakes': { env: 'KEYREADY_MAX_HANDSHAKES', help: 'agent connections still authenticating at most, apart from authenticated ones (default 2000)' },
  'max-handshakes-per-address': { env: 'KEYREADY_MAX_HANDSHAKES_PER_ADDRESS', help: 'agent connections still authenticating from one source address at most (default 64)' },
  'first-message-timeout': { env: 'KEYREADY_FIRST_MESSAGE_TIMEOUT_MS', help: 'ms a new agent connection has to send enroll or hello (default 5000)' },
  'connect-rate': { env: 'KEYREADY_CONNECT_RATE', help: 'new agent connections per second per source address (default 50, burst 4x)' },
  'ping-interval': { env: 'KEYREADY_PING_INTERVAL_MS', help: 'WebSocket ping interval in ms (default 20000)' },
  heartbeat: { env: 'KEYREADY_HEARTBEAT_MS', help: 'collector heartbeat in ms; silent 3 beats = dead (default 10000)' },
  'reenroll-after': {
    env: 'KEYREADY_REENROLL_AFTER_MS',
    help: 'ms a known PC (same hardware uuid) must have been offline before it may enroll again and take over its device (default 3600000)',
  },
  'init-empty': { env: 'KEYREADY_INIT_EMPTY', help: 'true: accept an empty (0-byte) SQLite file as a new database (refused otherwise)' },
  'log-level': { env: 'KEYREADY_LOG_LEVEL', help: 'error, warn, info or debug (default info)' },
  demo: { env: 'KEYREADY_DEMO', help: 'true: every PC this collector enrolls is labelled demo data in the dashboard (npm run demo)' },
  'dashboard-dir': { env: 'KEYREADY_DASHBOARD_DIR', help: 'built dashboard to serve at / (default dist/dashboard of this install)' },
  // Validated by tenant/config.ts, not by ConfigSchema: the tenant join owns its rules.
  ...GRAPH_FLAGS,
  'graph-poll-interval': { env: 'KEYREADY_GRAPH_POLL_MS', help: 'how often the tenant poller looks for due Graph reads and new users, in ms (default 60000)' },
};

const Int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const DbSpec = z.string().superRefine((value, ctx) => {
  try {
    parseStoreUrl(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'invalid' });
  }
});

const ConfigSchema = z
  .object({
    port: Int(0, 65535).default(8080),
    host: z.string().min(1).default('0.0.0.0'),
    'data-dir': z.string().min(1).default('data'),
    db: DbSpec.optional(),
    'enroll-secret': z.array(z.string().min(16, 'an enrollment secret needs at least 16 characters').max(512)).default([]),
    'tls-cert': z.string().optional(),
    'tls-key': z.string().optional(),
    'max-connections': Int(1, 1_000_000).default(20_000),
    'max-handshakes': Int(1, 1_000_000).default(2_000),
    'max-handshakes-per-address': Int(1, 1_000_000).default(64),
    'first-message-timeout': Int(100, 60_000).default(5_000),
    'connect-rate': Int(1, 1_000_000).default(50),
    'ping-interval': Int(100, 600_000).default(20_000),
    heartbeat: Int(100, 600_000).default(10_000),
    'reenroll-after': Int(0, 365 * 24 * 3_600_000).default(3_600_000),
    'init-empty': z.enum(['true', 'false']).default('false'),
    'log-level': z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    demo: z.enum(['true', 'false']).default('false'),
    'dashboard-dir': z.string().min(1).optional(),
    'graph-poll-interval': Int(100, 3_600_000).default(60_000),
  })
  .refine((c) => (c['tls-cert'] === undefined) === (c['tls-key'] === undefined), { message: '--tls-cert and --tls-key go together' });

// One level up is the package root both from collector/config.ts and from the bundle dist/keyready-collector.mjs.
const DEFAULT_DASHBOARD_DIR = resolve(import.meta.dirname, '..', 'dist', 'dashboard');

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** A --db value: sqlite:PATH or postgres://… (collector/store/index.ts opens it). */
  db: string;
  enrollSecrets: string[];
  tls: { cert: string; key: string } | null;
  maxConnections: number;
  maxHandshakes: number;
  maxHandshakesPerAddress: number;
  firstMessageTimeoutMs: number;
  connectRate: number;
  pingIntervalMs: number;
  heartbeatMs: number;
  logLevel: string;
  reenrollAfterMs: number;
  /** Accept a 0-byte SQLite file as a new database. */
  initEmpty: boolean;
  /** Label enrolled PCs as demo data (a simulated fleet). */
  demo: boolean;
  dashboardDir: string;
  /** The tenant join (Microsoft Graph); null when no tenant id is configured. */
  graph: GraphSettings | null;
  graphPollMs: number;
}

/** Starts the one machine-readable stdout line, printed once listening: tests and scripts read its JSON. */
export const READY_PREFIX = 'KEYREADY_COLLECTOR_READY ';

export class ConfigError extends Error {}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export interface ParsedArgs {
  command: 'start' | 'reset-admin-password' | 'show-enroll-secret' | 'revoke-device' | 'allow-reenroll' | 'graph-check' | 'add-user' | 'disable-user' | 'help';
  /** The device `revoke-device` or `allow-reenroll` names. */
  deviceId?: string;
  /** The account `add-user` (with its role) or `disable-user` names. */
  account?: { username: string; role: Role };
  config: Config;
}

/** Parses argv (without node and script) and the environment. Throws ConfigError with a user-facing message. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): ParsedArgs {
  let command: ParsedArgs['command'] = 'start';
  let deviceId: string | undefined;
  let account: ParsedArgs['account'];
  const raw: Record<string, string | string[]> = {};
  for (const [name, spec] of Object.entries(FLAGS)) {
    const value = env[spec.env];
    if (value === undefined || value === '') continue;
    raw[name] = spec.repeatable ? value.split(',').map((s) => s.trim()).filter(Boolean) : value;
  }
  const fromFlags = new Set<string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') command = 'help';
    else if (arg === 'graph-check' && i === 0) command = 'graph-check';
    else if ((arg === 'reset-admin-password' || arg === 'show-enroll-secret') && i === 0) command = arg;
    else if ((arg === 'add-user' || arg === 'disable-user') && i === 0) {
      command = arg;
      const username = argv[++i];
      if (username === undefined || !USERNAME_PATTERN.test(username)) throw new ConfigError(`${arg} needs an account name (letters, digits and . _ @ -)`);
      const next = argv[i + 1];
      // add-user NAME [ROLE]: the role is optional (helpdesk), the options follow.
      const role = arg === 'add-user' && next !== undefined && !next.startsWith('--') ? next : 'helpdesk';
      if (arg === 'add-user' && role === next) i += 1;
      if (!isRole(role)) throw new ConfigError(`add-user: the role is ${ROLES.join(' or ')}, not "${role.slice(0, 32)}"`);
      account = { username, role };
    }
    else if ((arg === 'revoke-device' || arg === 'allow-reenroll') && i === 0) {
      command = arg;
      deviceId = argv[++i];
      if (deviceId === undefined || !/^[\w.-]{1,200}$/.test(deviceId)) throw new ConfigError(`${arg} needs the device id (as shown on the PC page)`);
    }
    else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const spec = FLAGS[name];
      if (!spec) throw new ConfigError(`unknown option ${arg.slice(0, 64)} (see --help)`);
      const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new ConfigError(`--${name} needs a value`);
      if (spec.repeatable) {
        // Flags replace the variable's list rather than adding to it.
        const list = fromFlags.has(name) ? (raw[name] as string[]) : [];
        raw[name] = [...list, value];
      } else raw[name] = value;
      fromFlags.add(name);
    } else throw new ConfigError(`unexpected argument ${arg.slice(0, 64)} (see --help)`);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error);
    const where = issue?.path ? `--${issue.path.replace(/\.\d+$/, '')}: ` : '';
    throw new ConfigError(`${where}${issue?.message ?? 'invalid options'}`);
  }
  const c = parsed.data;
  const graph = parseGraph(raw, env);
  const dataDir = resolve(cwd, c['data-dir']);
  // SQLite paths are made absolute here, so the printed location is the one really used.
  const location = c.db ? parseStoreUrl(c.db) : { kind: 'sqlite' as const, path: resolve(dataDir, 'keyready.sqlite') };
  const db = location.kind === 'sqlite' ? `sqlite:${resolve(cwd, location.path)}` : location.url;
  return {
    command,
    ...(deviceId === undefined ? {} : { deviceId }),
    ...(account === undefined ? {} : { account }),
    config: {
      port: c.port,
      host: c.host,
      dataDir,
      db,
      enrollSecrets: c['enroll-secret'],
      tls: c['tls-cert'] && c['tls-key'] ? { cert: resolve(cwd, c['tls-cert']), key: resolve(cwd, c['tls-key']) } : null,
      maxConnections: c['max-connections'],
      maxHandshakes: c['max-handshakes'],
      maxHandshakesPerAddress: c['max-handshakes-per-address'],
      firstMessageTimeoutMs: c['first-message-timeout'],
      connectRate: c['connect-rate'],
      pingIntervalMs: c['ping-interval'],
      heartbeatMs: c.heartbeat,
      logLevel: c['log-level'],
      reenrollAfterMs: c['reenroll-after'],
      initEmpty: c['init-empty'] === 'true',
      demo: c.demo === 'true',
      dashboardDir: c['dashboard-dir'] ? resolve(cwd, c['dashboard-dir']) : DEFAULT_DASHBOARD_DIR,
      graphPollMs: c['graph-poll-interval'],
      graph: graph && graph.credential.kind === 'certificate' ? { ...graph, credential: { kind: 'certificate', path: resolve(cwd, graph.credential.path) } } : graph,
    },
  };
}

function parseGraph(raw: Record<string, string | string[]>, env: NodeJS.ProcessEnv): GraphSettings | null {
  const flags: Partial<Record<GraphFlag, string>> = {};
  for (const name of Object.keys(GRAPH_FLAGS) as GraphFlag[]) if (typeof raw[name] === 'string') flags[name] = raw[name];
  try {
    return parseGraphSettings(flags, env);
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : 'invalid Graph settings');
  }
}

/** The generated enrollment secret in clear: only here, never in the database (which keeps its hash). */
export function enrollSecretFile(config: Config): string {
  return resolve(config.dataDir, 'enroll-secret');
}

/** The secret TLS session-ticket keys derive from (shared/tls-tickets.ts); copy it to collectors that should resume each other's sessions. */
export function ticketMasterFile(config: Config): string {
  return resolve(config.dataDir, 'tls-ticket-master');
}

/**
 * Where the collector listens, for the banner: "localhost" in a URL would hide that every address is
 * open, so the wildcard says so and names this machine's other addresses (`addresses`: non-loopback).
 */
export function describeListen(host: string, port: number, addresses: readonly string[]): string {
  const everywhere = host === '0.0.0.0' || host === '::';
  if (!everywhere) return `${host.includes(':') ? `[${host}]` : host}:${port} only`;
  const seen = addresses.length > 0 ? `; from other machines: ${addresses.slice(0, 4).join(', ')}${addresses.length > 4 ? ', …' : ''}` : '';
  return `every address (${host === '::' ? '[::]' : host}:${port})${seen}`;
}

/** The database location without a password, for printing. */
export function describeDb(db: string): string {
  const location = parseStoreUrl(db);
  if (location.kind === 'sqlite') return `SQLite ${location.path}`;
  try {
    const url = new URL(location.url);
    if (url.password) url.password = '***';
    return `PostgreSQL ${url.toString()}`;
  } catch {
    return 'PostgreSQL (unparsable URL)';
  }
}

export function helpText(): string {
  const lines = [
    'keyready-collector — enrolls KeyReady agents, stores their reports, serves the API and dashboard',
    '',
    'Usage: keyready-collector [options]',
    '       keyready-collector reset-admin-password [--db … | --data-dir …]',
    '       keyready-collector graph-check [--graph-… options]   (checks the Microsoft Graph credentials and permissions)',
    '       keyready-collector revoke-device DEVICE_ID [--db …]   (its token stops working, its connection is cut, its hardware may not enroll again)',
    '       keyready-collector allow-reenroll DEVICE_ID [--db …]   (lets a revoked device\'s hardware enroll again)',
    '       keyready-collector show-enroll-secret [--data-dir …]   (the generated secret, kept in <data-dir>/enroll-secret)',
    '       keyready-collector add-user NAME [admin|helpdesk] [--db …]   (a dashboard account; prints its password once; default helpdesk)',
    '       keyready-collector disable-user NAME [--db …]   (its sessions end at once)',
    '',
    'Options (each also as an environment variable):',
  ];
  for (const [name, spec] of Object.entries(FLAGS)) lines.push(`  --${name.padEnd(16)} ${spec.env.padEnd(26)} ${spec.help}`);
  return lines.join('\n');
}
