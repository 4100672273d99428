// --tls-cert/--tls-key: the same collector over https:// and wss:// (a self-signed certificate made
// with openssl for 127.0.0.1), with the session cookie marked Secure.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../support/prerequisites.ts';
import { selfSignedCertificate } from '../../support/certificate.ts';
import { startCollectorProcess, type CollectorProcess } from '../../../sim/processes/collector-process.ts';
import { makeReport } from '../../../sim/fleet/reports.ts';
import { SimAgent } from '../../../sim/fleet/sim-agent.ts';
import { sqliteTarget } from './stores.ts';

const openssl = requireTool('openssl', 'openssl');

describe.skipIf(!openssl.available)('collector over TLS', () => {
  const target = sqliteTarget();
  const dir = mkdtempSync(join(tmpdir(), 'keyready-tls-'));
  let cert: string;
  let key: string;
  let collector: CollectorProcess;

  beforeAll(async () => {
    ({ cert, key } = selfSignedCertificate(openssl.path!, dir));
    collector = await startCollectorProcess({ db: await target.create(), args: ['--tls-cert', cert, '--tls-key', key] });
  });

  afterAll(async () => {
    await collector?.stop();
    await target.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves https and wss, and marks the session cookie Secure', async () => {
    expect(collector.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(collector.agentUrl).toMatch(/^wss:\/\//);
    const agent = new SimAgent({ url: collector.agentUrl, hostname: 'PC-TLS-0001', makeReport: () => makeReport({ hostname: 'PC-TLS-0001' }) });
    await agent.enroll(collector.enrollSecret!);
    await agent.connect();
    expect(await agent.report()).toBe(0);
    await agent.disconnect();

    const { port } = new URL(collector.url);
    const res = await new Promise<{ status: number; cookie: string; hsts: unknown }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/api/login', method: 'POST', ca: readFileSync(cert), headers: { 'content-type': 'application/json' } },
        (r) => {
          r.resume();
          resolve({ status: r.statusCode ?? 0, cookie: String(r.headers['set-cookie']?.[0] ?? ''), hsts: r.headers['strict-transport-security'] });
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ username: 'admin', password: collector.adminPassword }));
    });
    expect(res.status).toBe(200);
    expect(res.cookie).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    expect(res.hsts).toBe('max-age=31536000');
  });

  it('offers TLS 1.2 and 1.3 only: an older client is refused in the handshake', async () => {
    const { port } = new URL(collector.url);
    const handshake = (version: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3') =>
      new Promise<string>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: Number(port), ca: readFileSync(cert), minVersion: version, maxVersion: version }, () => {
          resolve(socket.getProtocol() ?? 'none');
          socket.end();
        });
        socket.once('error', (error: Error & { code?: string }) => resolve(`refused: ${error.code ?? error.message}`));
      });
    expect(await handshake('TLSv1.2')).toBe('TLSv1.2');
    expect(await handshake('TLSv1.3')).toBe('TLSv1.3');
    expect(await handshake('TLSv1.1')).toMatch(/^refused: /);
  });

  it('resumes the TLS sessions it issued after a restart (ticket keys from its data folder), so a reconnect storm skips the full handshakes', async () => {
    const dataDir = join(dir, 'restarting');
    const db = await target.create();
    const start = () => startCollectorProcess({ db, args: ['--tls-cert', cert, '--tls-key', key, '--data-dir', dataDir] });
    let restarting = await start();
    /** A TLS connection: whether it resumed `offered`, and the ticket the server issued (a first connection waits for it). */
    const session = (port: number, offered?: Buffer) =>
      new Promise<{ resumed: boolean; ticket: Buffer | undefined }>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port, ca: readFileSync(cert), ...(offered ? { session: offered } : {}) });
        socket.once('error', reject);
        socket.once('secureConnect', () => {
          if (offered) {
            resolve({ resumed: socket.isSessionReused(), ticket: undefined });
            socket.end();
          }
        });
        // TLS 1.3 tickets come after the handshake, read like data.
        socket.once('session', (ticket: Buffer) => {
          resolve({ resumed: socket.isSessionReused(), ticket });
          socket.end();
        });
        socket.resume();
      });
    try {
      const first = await session(restarting.port);
      expect(first.resumed).toBe(false);
      await restarting.kill9();
      restarting = await start();
      expect((await session(restarting.port, first.ticket!)).resumed).toBe(true);
      expect(statSync(join(dataDir, 'tls-ticket-master')).mode & 0o777).toBe(0o600);
    } finally {
      await restarting.stop();
    }
  });
});
