import { describe, expect, it } from 'vitest';
import { ConfigError, describeDb, describeListen, parseArgs } from '../../../collector/config.ts';

describe('collector options', () => {
  it('defaults: port 8080 on every address, SQLite under ./data', () => {
    const { command, config } = parseArgs([], {}, '/srv/keyready');
    expect(command).toBe('start');
    expect(config).toMatchObject({ port: 8080, host: '0.0.0.0', dataDir: '/srv/keyready/data', tls: null, enrollSecrets: [] });
    expect(config.db).toBe('sqlite:/srv/keyready/data/keyready.sqlite');
  });

  it('flags win over environment variables; secrets repeat for rotation', () => {
    const env = { KEYREADY_PORT: '9000', KEYREADY_ENROLL_SECRETS: 'env-secret-aaaaaaaaaa, env-secret-bbbbbbbbbb', KEYREADY_DB: 'postgres://u:p@db/keyready' };
    expect(parseArgs([], env, '/x').config).toMatchObject({
      port: 9000,
      enrollSecrets: ['env-secret-aaaaaaaaaa', 'env-secret-bbbbbbbbbb'],
      db: 'postgres://u:p@db/keyready',
    });
    const { config } = parseArgs(
      ['--port', '0', '--enroll-secret', 'flag-secret-1111111111', '--enroll-secret=flag-secret-2222222222', '--db', 'sqlite:fleet.db'],
      env,
      '/x',
    );
    expect(config.port).toBe(0);
    expect(config.enrollSecrets).toEqual(['flag-secret-1111111111', 'flag-secret-2222222222']);
    expect(config.db).toBe('sqlite:/x/fleet.db');
  });

  it('says exactly what is wrong', () => {
    const fail = (argv: string[]) => () => parseArgs(argv, {}, '/x');
    expect(fail(['--port', 'eighty'])).toThrow(ConfigError);
    expect(fail(['--port', '70000'])).toThrow(/--port/);
    expect(fail(['--db', 'mysql://x'])).toThrow(/--db: unsupported database scheme "mysql:"/);
    expect(fail(['--tls-cert', 'c.pem'])).toThrow(/--tls-cert and --tls-key go together/);
    expect(fail(['--enroll-secret', 'short'])).toThrow(/--enroll-secret: an enrollment secret needs at least 16 characters/);
    expect(fail(['--bogus'])).toThrow(/unknown option --bogus/);
    expect(fail(['--port'])).toThrow(/--port needs a value/);
  });

  it('knows the reset-admin-password command and hides database passwords when printing', () => {
    expect(parseArgs(['reset-admin-password', '--data-dir', 'd'], {}, '/x').command).toBe('reset-admin-password');
    expect(describeDb('postgres://keyready:hunter2@db:5432/fleet')).toBe('PostgreSQL postgres://keyready:***@db:5432/fleet');
  });

  it('turns the tenant join on only with a tenant id; Graph flags win over KEYREADY_GRAPH_* and are validated', () => {
    expect(parseArgs([], {}, '/x').config.graph).toBeNull();
    const env = { KEYREADY_GRAPH_TENANT_ID: '11111111-2222-3333-4444-555555555555', KEYREADY_GRAPH_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', KEYREADY_GRAPH_CERT: 'env.pem' };
    const { command, config } = parseArgs(['graph-check', '--graph-cert', 'app.pem', '--graph-cloud', 'usgov'], env, '/x');
    expect(command).toBe('graph-check');
    expect(config.graph).toEqual({
      tenantId: '11111111-2222-3333-4444-555555555555', clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      credential: { kind: 'certificate', path: '/x/app.pem' }, cloud: 'usgov',
    });
    expect(() => parseArgs(['--graph-tenant-id', 'not-a-guid'], {}, '/x')).toThrow(ConfigError);
    expect(() => parseArgs(['--graph-cloud', 'mars'], env, '/x')).toThrow(/--graph-cloud/);
  });
});

describe('the banner says where it listens', () => {
  it('names the wildcard and this machine\'s addresses, or the one address', () => {
    expect(describeListen('0.0.0.0', 8080, ['192.168.1.5', '10.0.0.3'])).toBe('every address (0.0.0.0:8080); from other machines: 192.168.1.5, 10.0.0.3');
    expect(describeListen('::', 8080, [])).toBe('every address ([::]:8080)');
    expect(describeListen('127.0.0.1', 8443, ['192.168.1.5'])).toBe('127.0.0.1:8443 only');
    expect(describeListen('::1', 8443, [])).toBe('[::1]:8443 only');
  });
});

describe('revoke-device', () => {
  it('takes the device id after the command, and refuses anything that is not one', () => {
    expect(parseArgs(['revoke-device', 'd1b2-c3', '--db', 'sqlite:/x.db'], {}, '/srv')).toMatchObject({ command: 'revoke-device', deviceId: 'd1b2-c3' });
    expect(() => parseArgs(['revoke-device'], {}, '/srv')).toThrow(ConfigError);
    expect(() => parseArgs(['revoke-device', "x'; DROP TABLE devices;--"], {}, '/srv')).toThrow(/device id/);
  });
});
