// The agent side of keyready.v1 against a real collector process, on every store: enrollment, hello,
// reports and acks, replays, and every fault of the issue — each answered with its own error and
// close code, logged once, storing nothing, and leaving a well-behaved agent's connection alone.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceDetail, DeviceList } from '../../../protocol/api.ts';
import { CLOSE, MAX_MESSAGE_BYTES } from '../../../protocol/messages.ts';
import { ApiClient } from '../../support/api-client.ts';
import { startCollectorProcess, type CollectorProcess } from '../../../sim/processes/collector-process.ts';
import { makeReport } from '../../../sim/fleet/reports.ts';
import { AgentSocket, SimAgent } from '../../../sim/fleet/sim-agent.ts';
import { eventually } from '../../support/eventually.ts';
import { STORE_TARGETS } from './stores.ts';

const PING_MS = 400;
const BIN = resolve(import.meta.dirname, '..', '..', '..', 'bin', 'keyready-collector.js');

function collectorCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

for (const target of STORE_TARGETS.map((make) => make())) {
  describe(`agent protocol on ${target.name}`, () => {
    let db: string;
    let collector: CollectorProcess;
    let api: ApiClient;
    let good: SimAgent;
    // Each faulty client speaks from its own loopback address, so failure rate limits it earns
    // cannot touch the others (the collector keys them by source address).
    let nextAddress = 10;
    const freshAddress = (): string => `127.0.0.${nextAddress++}`;

    const agent = (hostname: string, uuid: string | null = null): SimAgent =>
      new SimAgent({
        url: collector.agentUrl,
        hostname,
        hardware: { uuid, serial: null, manufacturer: 'LENOVO', model: '21HD' },
        makeReport: () => makeReport({ hostname }),
        localAddress: freshAddress(),
      });

    const detail = (deviceId: string): Promise<DeviceDetail> => api.get<DeviceDetail>(`/api/devices/${deviceId}`);
    const total = async (): Promise<number> => (await api.get<DeviceList>('/api/devices?limit=1')).total;

    /** The well-behaved agent still gets its reports acknowledged. */
    async function goodAgentUnaffected(): Promise<void> {
      const socket = good.socket;
      const seq = await good.report(); // acknowledged, on the connection it has had all along
      expect(good.socket).toBe(socket);
      expect(socket?.ws.readyState).toBe(socket?.ws.OPEN);
      expect(seq).toBe(good.seq - 1);
      expect(good.errors).toEqual([]);
      expect((await detail(good.identity!.deviceId)).device.online).toBe(true);
    }

    beforeAll(async () => {
      db = await target.create();
      // 5 new connections/s per address (burst 20), so a flood is refused however slow this machine is.
      collector = await startCollectorProcess({
        db,
        args: ['--connect-rate', '5', '--max-handshakes', '30', '--reenroll-after', '1000'],
        env: { KEYREADY_PING_INTERVAL_MS: String(PING_MS) },
      });
      api = await ApiClient.login(collector.url, collector.adminPassword!);
      good = agent('PC-GOOD-0001', 'uuid-good');
      await good.enroll(collector.enrollSecret!);
      await good.connect();
    });

    afterAll(async () => {
      await good?.disconnect();
      await collector?.stop();
      await target.cleanup();
    });

    it('enrolls, says hello, and acknowledges each report after storing it', async () => {
      const pc = agent('PC-TOKYO-0101', 'uuid-0101');
      const { deviceId, token } = await pc.enroll(collector.enrollSecret!);
      expect(deviceId).toMatch(/\S/);
      expect(token.length).toBeGreaterThanOrEqual(32);
      const welcome = await pc.connect();
      expect(welcome).toMatchObject({ type: 'welcome', deviceId, lastSeq: -1 });
      expect(welcome.resendIntervalMs).toBeGreaterThan(0);
      // Pipelined: five reports sent at once, five acks.
      const seqs = await Promise.all([0, 1, 2, 3, 4].map(() => pc.report()));
      expect(seqs).toEqual([0, 1, 2, 3, 4]);
      const stored = await detail(deviceId);
      expect(stored.device).toMatchObject({ hostname: 'PC-TOKYO-0101', online: true, readiness: 'ready' });
      expect(stored.device.lastReport).not.toBeNull();
      expect(stored.report?.device.hostname).toBe('PC-TOKYO-0101');
      await pc.disconnect();
      // The next connection is told what is stored.
      expect((await pc.connect()).lastSeq).toBe(4);
      await pc.disconnect();
      // The token is never logged.
      expect(collector.lines.some((line) => line.includes(token))).toBe(false);
    });

    it('acknowledges a replayed sequence again and stores it once', async () => {
      const pc = agent('PC-REPLAY-0001');
      await pc.enroll(collector.enrollSecret!);
      await pc.connect();
      await pc.report();
      await pc.disconnect();
      const before = await detail(pc.identity!.deviceId);
      // A resend after a lost ack: same seq (= welcome.lastSeq) on a new connection.
      const socket = await AgentSocket.open(collector.agentUrl);
      socket.send({ type: 'hello', deviceId: pc.identity!.deviceId, token: pc.identity!.token, agentVersion: '0.1.0' });
      expect((await socket.expect('welcome')).lastSeq).toBe(0);
      socket.send({ type: 'report', seq: 0, report: makeReport({ hostname: 'PC-REPLAY-CHANGED', statuses: { 'sso.prt': 'fail' } }) });
      expect(await socket.expect('ack')).toEqual({ type: 'ack', seq: 0 });
      const after = await detail(pc.identity!.deviceId);
      // Stored once: the replay did not overwrite the stored report.
      expect(after.device.hostname).toBe('PC-REPLAY-0001');
      expect(after.device.lastReport).toBe(before.device.lastReport);
      socket.close();
      const metrics = await (await fetch(`${collector.url}/metrics`)).text();
      expect(metrics).toMatch(/keyready_reports_ingested_total\{result="replay"\} [1-9]/);
    });

    it('refuses an old sequence without closing, stores nothing, and keeps going', async () => {
      const faults = collector.events('agent.fault').length;
      const pc = agent('PC-STALE-0001');
      await pc.enroll(collector.enrollSecret!);
      await pc.connect();
      for (let i = 0; i < 3; i += 1) await pc.report(); // 0, 1, 2
      pc.socket!.send({ type: 'report', seq: 1, report: makeReport({ hostname: 'PC-STALE-OLD' }) });
      await eventually(() => expect(pc.errors).toEqual([expect.objectContaining({ type: 'error', code: 'stale-seq' })]));
      expect((await detail(pc.identity!.deviceId)).device.hostname).toBe('PC-STALE-0001');
      expect(await pc.report()).toBe(3); // the connection is still usable
      await pc.disconnect();
      await eventually(() => expect(collector.events('agent.fault').length).toBe(faults + 1));
    });

    // Each fault: its error code and close code, one log line, nothing stored, others unaffected.
    const FAULTS: { name: string; code: string | null; close: number; event: string; act: (s: AgentSocket) => void | Promise<void> }[] = [
      { name: 'malformed JSON', code: 'bad-message', close: CLOSE.badMessage, event: 'agent.fault', act: (s) => s.sendRaw('{"type":"hello",') },
      {
        name: 'wrong types',
        code: 'bad-message',
        close: CLOSE.badMessage,
        event: 'agent.fault',
        act: (s) => s.send({ type: 'hello', deviceId: 12, token: true, agentVersion: '0.1.0' }),
      },
      { name: 'an unknown message type', code: 'bad-message', close: CLOSE.badMessage, event: 'agent.fault', act: (s) => s.send({ type: 'format-disk' }) },
      { name: 'a binary frame', code: 'bad-message', close: CLOSE.badMessage, event: 'agent.fault', act: (s) => s.sendRaw(Buffer.from([1, 2, 3])) },
      {
        name: 'an oversized frame',
        code: null,
        close: CLOSE.tooBig,
        event: 'agent.frame',
        act: (s) => s.sendRaw(JSON.stringify({ type: 'report', seq: 99, pad: 'x'.repeat(MAX_MESSAGE_BYTES) })),
      },
      {
        name: 'a report before hello',
        code: 'not-hello',
        close: CLOSE.notHello,
        event: 'agent.fault',
        act: (s) => s.send({ type: 'report', seq: 0, report: makeReport() }),
      },
      {
        name: 'a wrong token',
        code: 'unauthorized',
        close: CLOSE.unauthorized,
        event: 'agent.auth-failed',
        act: (s) => s.send({ type: 'hello', deviceId: good.identity!.deviceId, token: 'not-the-token', agentVersion: '0.1.0' }),
      },
      {
        name: 'an unknown device',
        code: 'unauthorized',
        close: CLOSE.unauthorized,
        event: 'agent.auth-failed',
        act: (s) => s.send({ type: 'hello', deviceId: 'no-such-device', token: 'x', agentVersion: '0.1.0' }),
      },
      {
        name: 'enrollment with a wrong secret',
        code: 'enroll-denied',
        close: CLOSE.enrollDenied,
        event: 'agent.auth-failed',
        act: (s) =>
          s.send({ type: 'enroll', secret: 'guessed-secret', hostname: 'PC-EVIL', hardware: { uuid: null, serial: null, manufacturer: null, model: null }, agentVersion: '0.1.0' }),
      },
    ];

    for (const fault of FAULTS) {
      it(`answers ${fault.name} with ${fault.code ?? 'no error message'} and close ${fault.close}`, async () => {
        const devicesBefore = await total();
        const goodBefore = await detail(good.identity!.deviceId);
        const logged = collector.events(fault.event).length;
        const socket = await AgentSocket.open(collector.agentUrl, { localAddress: freshAddress() });
        await fault.act(socket);
        if (fault.code) expect(await socket.expect('error')).toMatchObject({ type: 'error', code: fault.code });
        expect((await socket.closed).code).toBe(fault.close);
        await goodAgentUnaffected();
        expect(await total()).toBe(devicesBefore);
        expect((await detail(good.identity!.deviceId)).device.hostname).toBe(goodBefore.device.hostname);
        await eventually(() => expect(collector.events(fault.event).length).toBe(logged + 1));
      });
    }

    it('refuses a seq that jumps too far ahead, stores nothing, and the device keeps reporting', async () => {
      const pc = agent('PC-JUMP-0001');
      await pc.enroll(collector.enrollSecret!);
      await pc.connect();
      await pc.report(); // 0
      pc.socket!.send({ type: 'report', seq: Number.MAX_SAFE_INTEGER, report: makeReport({ hostname: 'PC-JUMP-HUGE' }) });
      expect((await pc.socket!.closed).code).toBe(CLOSE.badMessage);
      expect(pc.errors).toEqual([expect.objectContaining({ code: 'bad-message', message: expect.stringContaining('jumps more than') })]);
      expect((await pc.connect()).lastSeq).toBe(0);
      expect(await pc.report()).toBe(1);
      expect((await detail(pc.identity!.deviceId)).device.hostname).toBe('PC-JUMP-0001');
      await pc.disconnect();
    });

    it('never moves an identity in use: re-enrolling an online PC\'s uuid is refused, logged and shown', async () => {
      const before = collector.events('agent.reenroll-refused').length;
      const thief = agent('PC-THIEF-0001', 'uuid-good');
      await expect(thief.enroll(collector.enrollSecret!)).rejects.toThrow(/enroll-denied/);
      await goodAgentUnaffected();
      const shown = await detail(good.identity!.deviceId);
      expect(shown.enrollments?.[0]).toMatchObject({ kind: 'reenroll-refused', hostname: 'PC-THIEF-0001', address: expect.stringMatching(/^127\./) });
      await eventually(() => expect(collector.events('agent.reenroll-refused').length).toBe(before + 1));
    });

    it('re-enrolls a PC offline long enough: new token, new sequence; then refuses the old token', async () => {
      const pc = agent('PC-REVOKE-0001', 'uuid-revoke');
      const first = await pc.enroll(collector.enrollSecret!);
      await pc.connect();
      for (let i = 0; i < 3; i += 1) await pc.report(); // 0, 1, 2
      await pc.disconnect();
      // Reinstalled: the same hardware enrolls again; allowed once the device has been offline --reenroll-after (1 s here).
      const reinstalled = agent('PC-REVOKE-0001', 'uuid-revoke');
      let second = first;
      await eventually(async () => {
        second = await reinstalled.enroll(collector.enrollSecret!);
      }, 15_000, 300);
      expect(second.deviceId).toBe(first.deviceId);
      expect(await reinstalled.connect()).toMatchObject({ lastSeq: -1 });
      await reinstalled.disconnect();
      expect((await detail(first.deviceId)).enrollments?.[0]).toMatchObject({ kind: 'reenrolled' });
      const stale = await AgentSocket.open(collector.agentUrl, { localAddress: freshAddress() });
      stale.send({ type: 'hello', deviceId: first.deviceId, token: first.token, agentVersion: '0.1.0' });
      expect(await stale.expect('error')).toMatchObject({ code: 'unauthorized' });
      expect((await stale.closed).code).toBe(CLOSE.unauthorized);
      await goodAgentUnaffected();
    });

    it('revokes for real: cuts the open connection, refuses the token and the hardware until an administrator allows it', async () => {
      const pc = agent('PC-REVOKE-0002', 'uuid-revoke-2');
      const identity = await pc.enroll(collector.enrollSecret!);
      await pc.connect();
      await pc.report();
      const open = pc.socket!;
      // The command line is another process: on PostgreSQL its bus event reaches the collector at
      // once; on SQLite the collector's ping round (400 ms here) finds the revocation.
      const revoke = await collectorCli(['revoke-device', identity.deviceId, '--db', db]);
      expect(revoke.code, revoke.stderr).toBe(0);
      expect(revoke.stdout).toContain(`Device ${identity.deviceId} revoked`);
      expect(await open.closed).toMatchObject({ code: CLOSE.unauthorized, reason: 'unauthorized' });
      expect((await collectorCli(['revoke-device', 'no-such-device', '--db', db])).code).toBe(2);
      const hello = await AgentSocket.open(collector.agentUrl, { localAddress: freshAddress() });
      hello.send({ type: 'hello', deviceId: identity.deviceId, token: identity.token, agentVersion: '0.1.0' });
      expect(await hello.expect('error')).toMatchObject({ code: 'unauthorized', message: 'this device was revoked' });
      expect((await hello.closed).code).toBe(CLOSE.unauthorized);
      await eventually(async () => expect((await detail(identity.deviceId)).device.online).toBe(false));
      // Offline longer than --reenroll-after (1 s): a revoked PC's hardware still may not come back.
      const reinstalled = agent('PC-REVOKE-0002', 'uuid-revoke-2');
      await new Promise((r) => setTimeout(r, 1_200)); // the offline window must have passed for the refusal to mean anything
      await expect(reinstalled.enroll(collector.enrollSecret!)).rejects.toThrow(/revoked device/);
      expect((await detail(identity.deviceId)).revocation).toBe('revoked');
      // The administrator allows it on the PC page (the API): it enrolls at once, with a new token.
      expect((await api.request('POST', `/api/devices/${identity.deviceId}/allow-reenroll`, { csrf: false })).status).toBe(403);
      expect((await api.request('POST', `/api/devices/${identity.deviceId}/allow-reenroll`)).status).toBe(204);
      const back = await reinstalled.enroll(collector.enrollSecret!);
      expect(back.deviceId).toBe(identity.deviceId);
      expect(await reinstalled.connect()).toMatchObject({ lastSeq: -1 });
      // Revoked from the dashboard (the API) while connected: the collector holding it cuts it at once.
      const second = reinstalled.socket!;
      expect((await api.request('POST', `/api/devices/${identity.deviceId}/revoke`, { csrf: false })).status).toBe(403);
      expect((await api.request('POST', '/api/devices/no-such-device/revoke')).status).toBe(404);
      expect((await api.request('POST', `/api/devices/${identity.deviceId}/revoke`)).status).toBe(204);
      expect((await second.closed).code).toBe(CLOSE.unauthorized);
      const events = (await detail(identity.deviceId)).enrollments?.map((e) => e.kind);
      expect(events).toEqual(['revoked', 'reenrolled', 'reenroll-allowed', 'refused-revoked', 'revoked']);
      await goodAgentUnaffected();
    });

    it('rate-limits failures per address and credential, and never refuses a valid token for them', async () => {
      const address = freshAddress();
      const pc = new SimAgent({ url: collector.agentUrl, hostname: 'PC-NAT-0001', makeReport: () => makeReport({ hostname: 'PC-NAT-0001' }), localAddress: address });
      const { deviceId } = await pc.enroll(collector.enrollSecret!);
      const codes: number[] = [];
      // Someone behind the same address guesses this very device's token, then the fleet secret.
      const started = Date.now();
      for (let i = 0; i < 14; i += 1) {
        const socket = await AgentSocket.open(collector.agentUrl, { localAddress: address });
        socket.send({ type: 'hello', deviceId, token: `guess-${i}`, agentVersion: '0.1.0' });
        codes.push((await socket.closed).code);
      }
      expect(codes.slice(0, 10).every((c) => c === CLOSE.unauthorized)).toBe(true);
      // Past the burst of 10 every guess is refused unheard, but for the one failure the bucket gives
      // back every 5 s (the collector's 0.2/s): a loaded machine may take that long over the 14.
      const after = codes.slice(10);
      const refilled = Math.floor((Date.now() - started) / 5_000);
      expect(after.every((c) => c === CLOSE.rateLimited || c === CLOSE.unauthorized)).toBe(true);
      expect(after.filter((c) => c === CLOSE.unauthorized).length).toBeLessThanOrEqual(1 + refilled);
      expect(after.filter((c) => c === CLOSE.rateLimited).length).toBeGreaterThanOrEqual(3 - refilled);
      // Wrong fleet secrets from that address fill a bucket of their own: at most 10 are heard, plus the
      // refill (one per 5 s) a loaded machine may see while it sends the 12; the rest are refused unheard.
      const enrollCodes: number[] = [];
      const enrollStarted = Date.now();
      for (let i = 0; i < 12; i += 1) {
        const socket = await AgentSocket.open(collector.agentUrl, { localAddress: address });
        socket.send({ type: 'enroll', secret: `wrong-secret-${i}-xxxxxxxx`, hostname: 'X', hardware: { uuid: null, serial: null, manufacturer: null, model: null }, agentVersion: '0.1.0' });
        enrollCodes.push((await socket.closed).code);
      }
      const enrollRefilled = Math.floor((Date.now() - enrollStarted) / 5_000);
      expect(enrollCodes.every((c) => c === CLOSE.rateLimited || c === CLOSE.enrollDenied)).toBe(true);
      expect(enrollCodes.filter((c) => c === CLOSE.enrollDenied).length).toBeLessThanOrEqual(10 + enrollRefilled);
      expect(enrollCodes.filter((c) => c === CLOSE.rateLimited).length).toBeGreaterThanOrEqual(2 - enrollRefilled);
      // The real PC at that address still gets in. The only wait it may see is the address's new-connection
      // rate (5/s here, which the guesses above used up), never the guesses' failures.
      const refusals: string[] = [];
      await eventually(async () => {
        try {
          expect(await pc.connect()).toMatchObject({ type: 'welcome', deviceId });
        } catch (error) {
          refusals.push(String(error));
          throw error;
        }
      }, 15_000);
      await pc.disconnect();
      expect(refusals.filter((r) => !r.includes('too many new connections'))).toEqual([]);
      await goodAgentUnaffected();
    });

    it('keeps real agents connecting while idle strangers hold every pre-auth slot', async () => {
      // --max-handshakes 30 (beforeAll): 40 silent sockets from 4 addresses fill and churn the pre-auth pool.
      const idle = await Promise.all(
        Array.from({ length: 40 }, (_, i) => AgentSocket.open(collector.agentUrl, { localAddress: `127.0.1.${1 + (i % 4)}` }).catch(() => null)),
      );
      const pcs = Array.from({ length: 5 }, (_, i) => agent(`PC-REAL-${i}`));
      for (const pc of pcs) await pc.enroll(collector.enrollSecret!);
      for (const pc of pcs) {
        expect(await pc.connect()).toMatchObject({ type: 'welcome' });
        await pc.disconnect();
      }
      for (const socket of idle) socket?.close();
      await goodAgentUnaffected();
    });

    it('sheds a flood of connections from one address with rate-limited, logged once', async () => {
      const address = freshAddress();
      const refusedBefore = collector.events('agent.refused').filter((e) => e.address === address).length;
      const sockets = await Promise.all(Array.from({ length: 150 }, () => AgentSocket.open(collector.agentUrl, { localAddress: address })));
      const refused: AgentSocket[] = [];
      for (const socket of sockets) void socket.closed.then((c) => c.code === CLOSE.rateLimited && refused.push(socket));
      // A burst of 20 per address is allowed (refilling at 5/s); the rest are refused at once.
      await eventually(() => expect(refused.length).toBeGreaterThanOrEqual(60));
      expect(await refused[0]!.expect('error')).toMatchObject({ code: 'rate-limited', retryAfterMs: expect.any(Number) });
      await goodAgentUnaffected();
      for (const s of sockets) s.close();
      await eventually(() => expect(collector.events('agent.refused').filter((e) => e.address === address).length).toBe(refusedBefore + 1));
    });

    it('lets a newer connection of the same device supersede the older one (4009), staying online', async () => {
      const pc = agent('PC-TWICE-0001');
      const identity = await pc.enroll(collector.enrollSecret!);
      await pc.connect();
      const older = pc.socket!;
      const twin = new SimAgent({ ...pc.options });
      twin.identity = identity;
      twin.seq = pc.seq;
      await twin.connect();
      expect((await older.closed).code).toBe(CLOSE.superseded);
      expect(await twin.report()).toBeGreaterThanOrEqual(0);
      expect((await detail(identity.deviceId)).device.online).toBe(true);
      await twin.disconnect();
    });

    it('shows a device offline when it disconnects, and when it goes silent (no pong)', async () => {
      const pc = agent('PC-AWAY-0001');
      const { deviceId, token } = await pc.enroll(collector.enrollSecret!);
      await pc.connect();
      expect((await detail(deviceId)).device.online).toBe(true);
      await pc.disconnect();
      await eventually(async () => expect((await detail(deviceId)).device.online).toBe(false));

      const silent = await AgentSocket.open(collector.agentUrl, { autoPong: false });
      silent.send({ type: 'hello', deviceId, token, agentVersion: '0.1.0' });
      await silent.expect('welcome');
      const welcomedAt = Date.now();
      expect((await detail(deviceId)).device.online).toBe(true);
      // Dropped after one ping round without a pong (two intervals at most).
      const closed = await silent.closed;
      expect(closed.code).toBe(1006);
      await eventually(async () => expect((await detail(deviceId)).device.online).toBe(false));
      // Last seen is when it last spoke (its hello), not when the collector gave up on it.
      expect(Date.parse((await detail(deviceId)).device.lastSeen)).toBeLessThanOrEqual(welcomedAt);
    });
  });
}
