// The collector process's life: first start vs later starts, kill -9 in the middle of a report
// stream (nothing acknowledged is lost, nothing half-written), graceful SIGTERM, admission control,
// option errors. Each on every store.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceDetail } from '../../../protocol/api.ts';
import { CLOSE } from '../../../protocol/messages.ts';
import { ApiClient } from '../../support/api-client.ts';
import { startCollectorProcess } from '../../../sim/processes/collector-process.ts';
import { makeReport } from '../../../sim/fleet/reports.ts';
import { AgentSocket, SimAgent } from '../../../sim/fleet/sim-agent.ts';
import { eventually } from '../../support/eventually.ts';
import { STORE_TARGETS } from './stores.ts';

const BIN = resolve(import.meta.dirname, '..', '..', '..', 'bin', 'keyready-collector.js');

/** Agents reporting back to back until their connection goes; returns the last acked seq of each. */
function stream(agents: SimAgent[]): { acked: Map<string, number>; done: Promise<void> } {
  const acked = new Map<string, number>();
  const done = Promise.all(
    agents.map(async (agent) => {
      for (let i = 0; i < 100_000; i += 1) {
        try {
          acked.set(agent.identity!.deviceId, await agent.report());
        } catch {
          return;
        }
      }
    }),
  ).then(() => undefined);
  return { acked, done };
}

for (const target of STORE_TARGETS.map((make) => make())) {
  describe(`collector process on ${target.name}`, () => {
    let db: string;
    beforeAll(async () => {
      db = await target.create();
    });
    afterAll(() => target.cleanup());

    it('prints credentials on first start only, shows the secret on request, and resets the admin password', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'keyready-life-'));
      const first = await startCollectorProcess({ db, args: ['--data-dir', dataDir] });
      expect(first.enrollSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(first.adminPassword).toMatch(/^[A-Za-z0-9_-]{16}$/);
      const firstSession = await ApiClient.login(first.url, first.adminPassword!);
      expect((await first.stop()).code).toBe(0);

      const second = await startCollectorProcess({ db, args: ['--data-dir', dataDir] });
      // Neither secret is printed again; the enrollment secret is one command away.
      expect(second.enrollSecret).toBeNull();
      expect(second.lines.join('\n')).not.toContain(first.enrollSecret!);
      expect(second.lines.join('\n')).toContain('keyready-collector show-enroll-secret');
      const shown = spawnSync(process.execPath, [BIN, 'show-enroll-secret', '--data-dir', dataDir], { encoding: 'utf8' });
      expect(shown.status).toBe(0);
      expect(shown.stdout.trim()).toBe(first.enrollSecret);
      expect(second.adminPassword).toBeNull();
      expect(second.lines.join('\n')).toContain('keyready-collector reset-admin-password');
      // Sessions live in the store: still valid on the restarted collector.
      const session = new ApiClient(second.url, firstSession.cookie, firstSession.csrfToken);
      expect((await session.request('GET', '/api/summary')).status).toBe(200);

      const live = new WebSocket(`${second.url.replace(/^http/, 'ws')}/api/live`, { headers: { cookie: firstSession.cookie, origin: second.url } });
      await new Promise((resolve, reject) => live.once('open', resolve).once('error', reject));
      const liveClosed = new Promise<number>((resolve) => live.once('close', (code) => resolve(code)));
      const reset = spawnSync(process.execPath, [BIN, 'reset-admin-password', '--db', db, '--data-dir', dataDir], { encoding: 'utf8' });
      expect(reset.status).toBe(0);
      const newPassword = /admin \/ (\S+)/.exec(reset.stdout)?.[1];
      expect(newPassword).toMatch(/^[A-Za-z0-9_-]{16}$/);
      // The reset ends old sessions at once, and the old password; an open live socket closes within its re-check.
      expect((await session.request('GET', '/api/summary')).status).toBe(401);
      expect(await liveClosed).toBe(CLOSE.unauthorized);
      await expect(ApiClient.login(second.url, first.adminPassword!)).rejects.toThrow(/401/);
      await ApiClient.login(second.url, newPassword!);
      await second.stop();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('a logout survives a restart and closes the session\'s open live socket', async () => {
      const ownDb = await target.create();
      const collector = await startCollectorProcess({ db: ownDb });
      const login = await ApiClient.login(collector.url, collector.adminPassword!);
      const live = new WebSocket(`${collector.url.replace(/^http/, 'ws')}/api/live`, { headers: { cookie: login.cookie, origin: collector.url } });
      await new Promise((resolve, reject) => live.once('open', resolve).once('error', reject));
      const closed = new Promise<number>((resolve) => live.once('close', (code) => resolve(code)));
      expect((await login.request('POST', '/api/logout')).status).toBe(204);
      expect(await closed).toBe(CLOSE.unauthorized);
      await collector.stop();
      const restarted = await startCollectorProcess({ db: ownDb });
      expect((await new ApiClient(restarted.url, login.cookie, login.csrfToken).request('GET', '/api/summary')).status).toBe(401);
      await restarted.stop();
    });

    it('loses no acknowledged report to kill -9 and leaves nothing half-written', async () => {
      const crashDb = await target.create();
      const collector = await startCollectorProcess({ db: crashDb });
      const hostname = (i: number): string => `PC-CRASH-${String(i).padStart(4, '0')}`;
      const agents = Array.from(
        { length: 12 },
        (_, i) =>
          new SimAgent({
            url: collector.agentUrl,
            hostname: hostname(i),
            makeReport: (seq) => makeReport({ hostname: hostname(i), statuses: seq % 2 ? { 'sso.prt': 'fail' } : {} }),
          }),
      );
      for (const agent of agents) {
        await agent.enroll(collector.enrollSecret!);
        await agent.connect();
      }
      const { acked, done } = stream(agents);
      const ackedCount = (): number => [...acked.values()].reduce((sum, seq) => sum + seq + 1, 0);
      // Killed mid-stream, once every agent has had several reports acknowledged (however slow the machine).
      await eventually(() => expect(acked.size === agents.length && ackedCount() >= 120).toBe(true), 20_000);
      await collector.kill9();
      await done;

      const restarted = await startCollectorProcess({ db: crashDb });
      const api = await ApiClient.login(restarted.url, collector.adminPassword!);
      for (const [i, agent] of agents.entries()) {
        agent.options.url = restarted.agentUrl;
        const welcome = await agent.connect();
        const ackedSeq = acked.get(agent.identity!.deviceId) ?? -1;
        expect(welcome.lastSeq).toBeGreaterThanOrEqual(ackedSeq);
        // What is stored is whole: the latest report and its history parse against the API schema,
        // and the report is the one of the stored sequence.
        const detail = DeviceDetail.parse(await api.get(`/api/devices/${agent.identity!.deviceId}`));
        expect(detail.device.hostname).toBe(hostname(i));
        const prt = detail.report?.checks.find((c) => c.id === 'sso.prt')?.status;
        expect(prt).toBe(welcome.lastSeq % 2 ? 'fail' : 'pass');
        await agent.disconnect();
      }
      await restarted.stop();
    });

    it('on SIGTERM stores and acknowledges what it received, closes agents with 1001, exits 0', async () => {
      const termDb = await target.create();
      const collector = await startCollectorProcess({ db: termDb });
      const agent = new SimAgent({ url: collector.agentUrl, hostname: 'PC-TERM-0001', makeReport: () => makeReport({ hostname: 'PC-TERM-0001' }) });
      await agent.enroll(collector.enrollSecret!);
      await agent.connect();
      const socket = agent.socket!;
      const { acked, done } = stream([agent]);
      await eventually(() => expect(acked.get(agent.identity!.deviceId) ?? -1).toBeGreaterThanOrEqual(5), 20_000);
      const exit = await collector.stop();
      await done;
      expect(exit.code).toBe(0);
      expect((await socket.closed).code).toBe(CLOSE.goingAway);
      expect(collector.events('collector.stopped')).toHaveLength(1);
      const again = await startCollectorProcess({ db: termDb });
      agent.options.url = again.agentUrl;
      expect((await agent.connect()).lastSeq).toBeGreaterThanOrEqual(acked.get(agent.identity!.deviceId)!);
      await agent.disconnect();
      await again.stop();
    });

    it('closes idle pre-auth sockets: the oldest for a newcomer beyond the cap, the rest at the first-message deadline', async () => {
      const collector = await startCollectorProcess({ db, args: ['--max-handshakes', '3', '--first-message-timeout', '1000'] });
      const sockets: AgentSocket[] = [];
      for (let i = 0; i < 6; i += 1) sockets.push(await AgentSocket.open(collector.agentUrl));
      const closes = await Promise.all(sockets.map((socket) => socket.closed));
      expect(closes.every((c) => c.code === CLOSE.notHello)).toBe(true);
      // The three oldest made room for the newer ones at once; the newer ones met the deadline.
      expect(await sockets[0]!.expect('error')).toMatchObject({ code: 'not-hello', message: expect.stringContaining('others waited') });
      expect(await sockets[5]!.expect('error')).toMatchObject({ code: 'not-hello', message: expect.stringContaining('within 1000 ms') });
      await collector.stop();
    });
  });
}

describe('collector options', () => {
  it('explains a bad option on stderr and exits 2, without a stack trace', () => {
    const run = spawnSync(process.execPath, [BIN, '--port', 'eighty'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^keyready-collector: --port: /);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--enroll-secret');
    expect(help.stdout).toContain('KEYREADY_DB');
  });
});
