// keyready-collector (and `npm start`): reads the options, opens the store, makes the first-start
// credentials, runs the collector (app.ts wires it) until SIGINT/SIGTERM.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ADMIN_USERNAME, SETTING_ADMIN_PASSWORD } from './api/routes.ts';
import { Sessions } from './api/session.ts';
import { ConfigError, READY_PREFIX, describeDb, helpText, parseArgs, type Config } from './config.ts';
import { createLogger } from './log.ts';
import { openStore } from './store/index.ts';
import { startCollector } from './app.ts';
import { hashPassword, randomSecret } from './shared/credentials.ts';
import type { Store } from './store/types.ts';
import { errorText } from '../protocol/error-text.ts';
import { graphCheck } from './tenant/graph-check.ts';
import { tenantOptions } from './tenant/configure.ts';

const SETTING_ENROLL_SECRET = 'enroll.secret';
const SETTING_SESSION_KEY = 'session.key';

const out = (line = ''): void => void process.stdout.write(`${line}\n`);

async function resetAdminPassword(store: Store): Promise<void> {
  const password = randomSecret(12);
  await store.setSetting(SETTING_ADMIN_PASSWORD, await hashPassword(password));
  out(`New dashboard login: ${ADMIN_USERNAME} / ${password}`);
  out('Every open dashboard session has ended; sign in again with this password.');
}

/** First start makes the secrets; initSetting keeps the first writer's value when collectors race. */
async function bootstrap(store: Store, config: Config) {
  const candidateSecret = randomSecret();
  const storedSecret = config.enrollSecrets.length > 0 ? null : await store.initSetting(SETTING_ENROLL_SECRET, candidateSecret);
  const password = randomSecret(12);
  const candidateHash = await hashPassword(password);
  const storedHash = await store.initSetting(SETTING_ADMIN_PASSWORD, candidateHash);
  const sessionKey = await store.initSetting(SETTING_SESSION_KEY, randomSecret());
  return {
    enrollSecrets: storedSecret === null ? config.enrollSecrets : [storedSecret],
    enrollSecretGenerated: storedSecret === candidateSecret,
    newAdminPassword: storedHash === candidateHash ? password : null,
    sessionKey,
  };
}

/** Session signatures depend on the admin password hash too: a password reset ends every session. */
function signingKey(store: Store, sessionKey: string): () => Promise<string> {
  let cached: { key: string; at: number } | null = null;
  return async () => {
    if (cached && Date.now() - cached.at < 2_000) return cached.key;
    const hash = (await store.getSetting(SETTING_ADMIN_PASSWORD)) ?? '';
    cached = { key: createHmac('sha256', sessionKey).update(hash).digest('base64url'), at: Date.now() };
    return cached.key;
  };
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
  const { command, config } = parseArgs(process.argv.slice(2), process.env, process.cwd());
  if (command === 'help') return out(helpText());
  if (command === 'graph-check') process.exit(await graphCheck(config.graph, out));
  const tls = readTls(config);
  const log = createLogger(config.logLevel);
  const store = await openStore(config.db, { log });
  await store.migrate();
  if (command === 'reset-admin-password') {
    await resetAdminPassword(store);
    return store.close();
  }
  const boot = await bootstrap(store, config);
  const collector = await startCollector({
    store,
    log,
    host: config.host,
    port: config.port,
    tls,
    enrollSecrets: boot.enrollSecrets,
    sessions: new Sessions(signingKey(store, boot.sessionKey), tls !== null),
    staticRoot: config.dashboardDir,
    admission: { maxConnections: config.maxConnections, maxHandshakes: config.maxHandshakes },
    connectionRate: { burst: config.connectRate * 4, ratePerSec: config.connectRate },
    authFailureRate: { burst: 10, ratePerSec: 0.2 },
    loginFailureRate: { burst: 5, ratePerSec: 1 / 12 },
    batch: { maxBatch: 1000, maxDelayMs: 4, concurrency: store.kind === 'sqlite' ? 1 : 4 },
    pingIntervalMs: config.pingIntervalMs,
    handshakeTimeoutMs: 10_000,
    // An unchanged PC still reports hourly, so "last report" never looks stale on a healthy one.
    resendIntervalMs: 60 * 60 * 1000,
    heartbeatMs: config.heartbeatMs,
    demo: config.demo,
    tenant: tenantOptions(config),
  });

  const ws = collector.url.replace(/^http/, 'ws');
  out('');
  out('KeyReady collector is running');
  out(`  Dashboard:          ${collector.url}/${config.host === '0.0.0.0' ? '   (listening on every address)' : ''}`);
  out(`  Agents connect to:  ${ws}/agent   (agent: keyready-agent run --collector ${ws}/agent)`);
  out(`  Database:           ${describeDb(config.db)}`);
  if (config.enrollSecrets.length > 0) out(`  Enrollment secrets: ${config.enrollSecrets.length} from --enroll-secret / KEYREADY_ENROLL_SECRETS`);
  else out(`  Enrollment secret:  ${boot.enrollSecrets[0]}${boot.enrollSecretGenerated ? '   (generated now)' : ''}`);
  if (boot.newAdminPassword) {
    out(`  Dashboard login:    ${ADMIN_USERNAME} / ${boot.newAdminPassword}`);
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
