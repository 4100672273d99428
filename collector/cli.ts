// keyready-collector (and `npm start`): reads the options, opens the store, makes the first-start
// credentials, runs the collector (app.ts wires it) until SIGINT/SIGTERM.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Role } from '../protocol/api.ts';
import { ADMIN_USERNAME, SETTING_ADMIN_PASSWORD, changeAccount, createAccount } from './api/accounts.ts';
import { Sessions } from './api/session.ts';
import { ConfigError, READY_PREFIX, describeDb, describeListen, enrollSecretFile, helpText, parseArgs, ticketMasterFile, type Config } from './config.ts';
import { ticketMaster } from './shared/tls-tickets.ts';
import { createLogger, type Logger } from './log.ts';
import { openStore, parseStoreUrl } from './store/index.ts';
import { startCollector } from './app.ts';
import { hashPassword, hashToken, randomSecret } from './shared/credentials.ts';
import { advertisedHosts, agentRunCommand, agentUrls, machineHosts, secretCommand, type SecretSource } from './shared/enroll-hint.ts';
import { ensurePrivateDir, ensurePrivateFiles, readPrivateFile, writePrivateFile, type Tightened } from './shared/private-files.ts';
import type { Store } from './store/types.ts';
import { errorText } from '../protocol/error-text.ts';
import { graphCheck } from './tenant/graph-check.ts';
import { tenantOptions } from './tenant/configure.ts';

/** Only sha256 of the generated secret is in the database; the clear text is in enrollSecretFile(). */
const SETTING_ENROLL_SECRET_HASH = 'enroll.secretHash';
/** Where versions before 0.1.1 kept the secret in clear; moved out on start. */
const LEGACY_ENROLL_SECRET = 'enroll.secret';

const out = (line = ''): void => void process.stdout.write(`${line}\n`);
/** Who the audit log names for changes made on the collector's command line. */
const CLI_ACTOR = 'command line';

async function resetAdminPassword(store: Store): Promise<void> {
  const password = randomSecret(12);
  await store.setSetting(SETTING_ADMIN_PASSWORD, await hashPassword(password));
  await store.deleteSessions(null);
  out(`New dashboard login: ${ADMIN_USERNAME} / ${password}`);
  out('Every open dashboard session has ended; sign in again with this password.');
}

async function revokeDevice(store: Store, deviceId: string): Promise<void> {
  if (!(await store.revokeDevice(deviceId, new Date(), null))) {
    await store.close();
    throw new ConfigError(`no device ${deviceId} in this database`);
  }
  // Reaches every collector on PostgreSQL at once; on SQLite (another process) the collector's
  // ping round finds the revocation instead.
  await store.publish({ type: 'device-revoked', deviceId });
  await store.publish({ type: 'device-changed', deviceId });
  out(`Device ${deviceId} revoked: its token is refused and its open connection cut (within one ping interval).`);
  out(`Its hardware may not enroll again until \`keyready-collector allow-reenroll ${deviceId}\` (or the PC page) allows it.`);
}

async function allowReenroll(store: Store, deviceId: string): Promise<void> {
  if (!(await store.allowReenroll(deviceId, new Date(), null))) {
    await store.close();
    throw new ConfigError(`no revoked device ${deviceId} in this database`);
  }
  await store.publish({ type: 'device-changed', deviceId });
  out(`Device ${deviceId}: its hardware may enroll again (it gets a new token; the revoked one stays refused).`);
}

/** add-user / disable-user: the same rules as the dashboard's account page, recorded in the audit log as the CLI. */
async function manageAccount(store: Store, command: 'add-user' | 'disable-user', account: { username: string; role: Role }): Promise<void> {
  const now = new Date();
  const entry = (action: string, detail: string) => ({ id: randomUUID(), at: now.getTime(), username: CLI_ACTOR, action, target: account.username, detail, address: null });
  try {
    if (command === 'add-user') {
      const { password } = await createAccount(store, account.username, account.role, now);
      await store.appendAudit(entry('account-create', account.role));
      out(`Dashboard account added: ${account.username} (${account.role}) / ${password}`);
      out('Shown this once: give it to its user; stored only as a scrypt hash.');
    } else {
      await changeAccount(store, account.username, { disabled: true }, now);
      await store.appendAudit(entry('account-change', 'disabled'));
      out(`Dashboard account ${account.username} disabled: its sessions have ended.`);
    }
  } catch (error) {
    await store.close();
    throw new ConfigError(errorText(error));
  }
}

function showEnrollSecret(config: Config): void {
  const secret = readPrivateFile(enrollSecretFile(config));
  if (secret === null) {
    throw new ConfigError(
      `no generated enrollment secret in ${enrollSecretFile(config)}: it is kept in the data folder of the collector that generated it ` +
        '(or the collector runs with --enroll-secret / KEYREADY_ENROLL_SECRETS)',
    );
  }
  out(secret);
}

interface Enrollment {
  /** sha256 of every accepted secret: the clear text is compared only as a hash. */
  hashes: string[];
  /** The secret made by this start, to print once; null when it existed or came from the options. */
  generated: string | null;
}

/** The fleet's secrets; initSetting keeps the first writer's value when collectors race on a first start. */
async function enrollment(store: Store, config: Config): Promise<Enrollment> {
  if (config.enrollSecrets.length > 0) return { hashes: config.enrollSecrets.map(hashToken), generated: null };
  const file = enrollSecretFile(config);
  const legacy = await store.getSetting(LEGACY_ENROLL_SECRET);
  if (legacy) {
    // Same secret (the fleet keeps working), but out of the database from now on.
    const stored = await store.initSetting(SETTING_ENROLL_SECRET_HASH, hashToken(legacy));
    if (readPrivateFile(file) === null) writePrivateFile(file, legacy);
    await store.setSetting(LEGACY_ENROLL_SECRET, '');
    return { hashes: [stored], generated: null };
  }
  const candidate = randomSecret();
  const stored = await store.initSetting(SETTING_ENROLL_SECRET_HASH, hashToken(candidate));
  if (stored !== hashToken(candidate)) return { hashes: [stored], generated: null };
  writePrivateFile(file, candidate);
  return { hashes: [stored], generated: candidate };
}

/** First start makes the admin password; initSetting keeps the first writer's value when collectors race. */
async function adminPassword(store: Store): Promise<string | null> {
  const password = randomSecret(12);
  const candidateHash = await hashPassword(password);
  const storedHash = await store.initSetting(SETTING_ADMIN_PASSWORD, candidateHash);
  return storedHash === candidateHash ? password : null;
}

/** SQLite's database, its write-ahead log and shared memory: all three hold fleet data. */
function sqliteFiles(db: string): string[] {
  const location = parseStoreUrl(db);
  return location.kind === 'sqlite' ? [location.path, `${location.path}-wal`, `${location.path}-shm`] : [];
}

/** Owner-only data folder and database files before anything is written; what was looser is tightened and warned about. */
function securePaths(config: Config): Tightened[] {
  const loose: Tightened[] = [];
  const add = (found: Tightened | null): void => void (found && loose.push(found));
  add(ensurePrivateDir(config.dataDir));
  loose.push(...ensurePrivateFiles([ticketMasterFile(config)]));
  const [database] = sqliteFiles(config.db);
  if (database) {
    // SQLite takes an empty file for a new database: a truncated one would silently become a new install.
    if (existsSync(database) && statSync(database).size === 0 && !config.initEmpty) {
      throw new ConfigError(`the database ${database} is an empty file (0 bytes), not a new install: restore it from a backup, or start with --init-empty true to begin a new fleet in it`);
    }
    add(ensurePrivateDir(dirname(database)));
    loose.push(...ensurePrivateFiles([database], true));
  }
  return loose;
}

function warnLoose(log: Logger, loose: readonly Tightened[]): void {
  for (const { path, was } of loose) {
    log.warn('a data path was open to other users: made owner-only', { event: 'data.permissions', path, was });
  }
}

function readTls(config: Config): { cert: Buffer; key: Buffer } | null {
  if (!config.tls) return null;
  try {
    return { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) };
  } catch (error) {
    throw new ConfigError(`cannot read the TLS certificate or key: ${errorText(error)}`);
  }
}

async function main(): Promise<void> {
  const { command, config, deviceId, account } = parseArgs(process.argv.slice(2), process.env, process.cwd());
  if (command === 'help') return out(helpText());
  if (command === 'graph-check') process.exit(await graphCheck(config.graph, out));
  if (command === 'show-enroll-secret') return showEnrollSecret(config);
  const tls = readTls(config);
  // Like the TLS files, the Graph certificate is read before anything is created: a bad one changes nothing.
  const tenant = command === 'reset-admin-password' || command === 'revoke-device' ? null : tenantOptions(config);
  const log = createLogger(config.logLevel);
  const loose = securePaths(config);
  const store = await openStore(config.db, { log });
  await store.migrate();
  // SQLite made its -wal and -shm with the database's mode; an older install may have left them looser.
  loose.push(...ensurePrivateFiles(sqliteFiles(config.db)));
  warnLoose(log, loose);
  if (command === 'reset-admin-password') {
    await resetAdminPassword(store);
    return store.close();
  }
  if ((command === 'add-user' || command === 'disable-user') && account !== undefined) {
    await manageAccount(store, command, account);
    return store.close();
  }
  if (command === 'revoke-device' && deviceId !== undefined) {
    await revokeDevice(store, deviceId);
    return store.close();
  }
  if (command === 'allow-reenroll' && deviceId !== undefined) {
    await allowReenroll(store, deviceId);
    return store.close();
  }
  const enroll = await enrollment(store, config);
  const machine = machineHosts();
  const secretSource: SecretSource = config.enrollSecrets.length > 0 ? { kind: 'options' } : { kind: 'generated', dataDir: config.dataDir };
  const collector = await startCollector({
    store,
    log,
    host: config.host,
    port: config.port,
    // After securePaths: the ticket secret goes into the (now owner-only) data folder.
    tls: tls ? { ...tls, ticketMaster: ticketMaster(ticketMasterFile(config)) } : null,
    enrollSecretHashes: enroll.hashes,
    sessions: new Sessions(store, tls !== null),
    staticRoot: config.dashboardDir,
    admission: { maxConnections: config.maxConnections, maxHandshakes: config.maxHandshakes, maxHandshakesPerAddress: config.maxHandshakesPerAddress },
    connectionRate: { burst: config.connectRate * 4, ratePerSec: config.connectRate },
    authFailureRate: { burst: 10, ratePerSec: 0.2 },
    loginFailureRate: { burst: 5, ratePerSec: 1 / 12 },
    // Holding agent sockets costs ingest 15–20 % when it engages at 1–4 batches (bench/README.md): it
    // only bounds the parsed reports a reconnect storm of thousands of agents would queue at once.
    batch: { maxBatch: 250, maxDelayMs: 4, concurrency: store.kind === 'sqlite' ? 1 : 4, maxQueued: 4_000 },
    pingIntervalMs: config.pingIntervalMs,
    // A real agent speaks the moment its socket opens; an idle one holds pre-auth capacity for 5 s at most.
    firstMessageTimeoutMs: config.firstMessageTimeoutMs,
    handshakeTimeoutMs: 10_000,
    // An unchanged PC still reports hourly, so "last report" never looks stale on a healthy one.
    resendIntervalMs: 60 * 60 * 1000,
    heartbeatMs: config.heartbeatMs,
    demo: config.demo,
    tenant,
    reenrollAfterMs: config.reenrollAfterMs,
    enrollHint: { hosts: advertisedHosts(config.host, machine), secret: secretSource },
  });
  // Made only once listening: a first start that cannot listen must not keep a password nobody saw.
  const newAdminPassword = await adminPassword(store);

  const ws = collector.url.replace(/^http/, 'ws');
  // Another PC needs an address of this machine, not localhost, and the secret (or where to get it).
  const [remoteUrl, ...otherUrls] = agentUrls(advertisedHosts(config.host, machine), collector.port, tls !== null);
  out('');
  out('KeyReady collector is running');
  out(`  Listening on:       ${describeListen(config.host, collector.port, machine)}`);
  out(`  Dashboard:          ${collector.url}/`);
  out(`  Agents connect to:  ${remoteUrl ?? `${ws}/agent   (this machine only: listen on another address with --host for other PCs)`}${otherUrls.length > 0 ? `   (also ${otherUrls.slice(0, 3).join(', ')})` : ''}`);
  out(`  Agent command:      ${agentRunCommand(remoteUrl ?? `${ws}/agent`, enroll.generated)}`);
  if (!enroll.generated) out(`                      (the secret: ${secretCommand(secretSource) ?? 'the one given with --enroll-secret / KEYREADY_ENROLL_SECRETS'})`);
  out(`  Database:           ${describeDb(config.db)}`);
  if (config.enrollSecrets.length > 0) out(`  Enrollment secrets: ${config.enrollSecrets.length} from --enroll-secret / KEYREADY_ENROLL_SECRETS`);
  else if (enroll.generated) {
    out(`  Enrollment secret:  ${enroll.generated}   (generated now; shown this once, later: keyready-collector show-enroll-secret)`);
  } else out(`  Enrollment secret:  (not shown again: ${secretCommand(secretSource)})`);
  if (newAdminPassword) {
    out(`  Dashboard login:    ${ADMIN_USERNAME} / ${newAdminPassword}`);
    out('                      (shown this once: store it now; stored only as a scrypt hash)');
  } else {
    out(`  Dashboard login:    ${ADMIN_USERNAME} (password set on first start; to set a new one: keyready-collector reset-admin-password)`);
  }
  out(`  Health, metrics:    ${collector.url}/healthz  ${collector.url}/metrics`);
  out('');
  out(`${READY_PREFIX}${JSON.stringify({ port: collector.port, url: collector.url, instanceId: collector.instanceId, store: store.kind })}`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(1); // a second Ctrl-C means now
    stopping = true;
    log.info('collector stopping', { event: 'collector.stopping', signal });
    collector.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('shutdown failed', { event: 'collector.error', reason: errorText(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : errorText(error);
  process.stderr.write(`keyready-collector: ${error instanceof ConfigError ? '' : 'could not start: '}${message}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
