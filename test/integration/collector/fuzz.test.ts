// A real collector process (SQLite) fed thousands of generated bad inputs (seeded: a failure names
// its seed): every agent message type over a real WebSocket, in the session state where it is valid,
// and every HTTP API parameter. No crash, no hang, a clear error for each, 4xx never 5xx, and nothing
// stored that the schema refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceDetail, DeviceList } from '../../../protocol/api.ts';
import { CLOSE } from '../../../protocol/messages.ts';
import { parseAgentMessage } from '../../../collector/server/parse-message.ts';
import { makeReport } from '../../../sim/fleet/reports.ts';
import { AgentSocket, SimAgent } from '../../../sim/fleet/sim-agent.ts';
import { startCollectorProcess, type CollectorProcess } from '../../../sim/processes/collector-process.ts';
import { prng } from '../../../sim/prng.ts';
import { ApiClient } from '../../support/api-client.ts';
import { mutateText, mutateValue, NASTY_STRINGS, type Random } from '../../support/json-fuzz.ts';
import { sqliteTarget } from './stores.ts';

const SECRET = 'fuzz-enrollment-secret-0123456789';
type Json = Parameters<typeof mutateValue>[0];

describe('fuzzing a real collector', () => {
  const target = sqliteTarget();
  let collector: CollectorProcess;
  let api: ApiClient;
  let pc: SimAgent;
  let next = 0;
  // Every case from its own loopback address: failure rate limits (per address) never mask an answer.
  const address = (): string => {
    next += 1;
    return `127.${1 + (next >> 16)}.${(next >> 8) & 255}.${next & 255}`;
  };

  beforeAll(async () => {
    collector = await startCollectorProcess({ db: await target.create(), args: ['--enroll-secret', SECRET, '--connect-rate', '1000'] });
    api = await ApiClient.login(collector.url, collector.adminPassword!);
    pc = new SimAgent({ url: collector.agentUrl, hostname: 'PC-FUZZ-0001', makeReport: () => makeReport({ hostname: 'PC-FUZZ-0001' }) });
    await pc.enroll(SECRET);
  });

  afterAll(async () => {
    await collector?.stop();
    await target.cleanup();
  });

  /** The first answer to one frame: an expected message, or an error with a code and a message (and the close, when it closes). */
  async function answer(socket: AgentSocket, text: string): Promise<{ type: string; code?: string; message?: string; closeCode?: number; deviceId?: string }> {
    socket.sendRaw(text);
    const reply = await socket.next();
    if (reply === null) return { type: 'closed', closeCode: (await socket.closed).code };
    if (reply.type === 'enrolled') return { type: reply.type, deviceId: reply.deviceId };
    if (reply.type !== 'error') return { type: reply.type };
    const closed = reply.code === 'stale-seq' ? undefined : (await socket.closed).code;
    return { type: 'error', code: reply.code, message: reply.message, ...(closed === undefined ? {} : { closeCode: closed }) };
  }

  function generate(base: Json, random: Random, seed: number): string {
    return seed % 5 === 0 ? mutateText(JSON.stringify(base), random) : JSON.stringify(mutateValue(base, random));
  }

  it('every agent message type, 1,500 mutated messages over real WebSockets: a clear error for each, nothing stored', async () => {
    const identity = pc.identity!;
    const bases: Record<'enroll' | 'hello' | 'report', Json> = {
      enroll: { type: 'enroll', secret: SECRET, hostname: 'PC-FUZZ-NEW', hardware: { uuid: null, serial: null, manufacturer: null, model: null }, agentVersion: '0.1.0' },
      hello: { type: 'hello', deviceId: identity.deviceId, token: identity.token, agentVersion: '0.1.0' },
      report: JSON.parse(JSON.stringify({ type: 'report', seq: 0, dropped: 0, report: makeReport({ hostname: 'PC-FUZZ-0001' }) })) as Json,
    };
    const before = (await api.get<DeviceList>('/api/devices?limit=1')).total;
    // Distinct: a mutated uuid may name a PC enrolled earlier in this run, which then enrolls again.
    const enrolled = new Set<string>();
    let acked = -1;
    let authenticated: AgentSocket | null = null;
    const counts = { refused: 0, accepted: 0 };
    for (let seed = 1; seed <= 1_500; seed += 1) {
      const random = prng(seed);
      const type = seed % 3 === 0 ? 'enroll' : seed % 3 === 1 ? 'hello' : 'report';
      const base = type === 'report' ? { ...(bases.report as Record<string, Json>), seq: acked + 1 } : bases[type];
      const text = generate(base, random, seed);
      const valid = parseAgentMessage(text, false);
      let socket: AgentSocket;
      if (type === 'report') {
        if (!authenticated) {
          authenticated = await AgentSocket.open(collector.agentUrl, { localAddress: address() });
          authenticated.send(bases.hello as Record<string, unknown>);
          await authenticated.expect('welcome');
        }
        socket = authenticated;
      } else {
        socket = await AgentSocket.open(collector.agentUrl, { localAddress: address() });
      }
      const got = await answer(socket, text);
      const where = `${type} seed ${seed}: ${text.slice(0, 120)} → ${JSON.stringify(got).slice(0, 200)}`;
      if (!valid.ok) {
        counts.refused += 1;
        expect(got, where).toMatchObject({ type: 'error', code: 'bad-message', closeCode: CLOSE.badMessage });
        expect(got.message?.length, where).toBeGreaterThan(0);
        if (type === 'report') authenticated = null;
      } else {
        counts.accepted += 1;
        if (type === 'enroll') {
          // A mangled secret is refused like any wrong one.
          if (got.type === 'enrolled') enrolled.add(got.deviceId!);
          else expect(got, where).toMatchObject({ type: 'error', code: 'enroll-denied', closeCode: CLOSE.enrollDenied });
        } else if (type === 'hello') {
          // The same identity with odd tags or version strings is still this PC; a mangled id or token is refused.
          expect(['welcome', 'error'], where).toContain(got.type);
          if (got.type === 'error') expect(got.code, where).toBe('unauthorized');
          // A welcomed hello supersedes the connection the report cases use.
          else authenticated = null;
        } else if (got.type === 'ack') {
          acked = (valid.message as { seq: number }).seq;
        } else {
          // A schema-valid report whose seq jumped too far, or fell below what is stored.
          expect(['bad-message', 'stale-seq'], where).toContain(got.code);
          if (got.closeCode !== undefined) authenticated = null;
        }
      }
      if (type !== 'report') socket.close();
    }
    authenticated?.close();
    expect(counts.refused).toBeGreaterThan(700);
    expect(collector.child.exitCode).toBeNull();
    // Exactly what was accepted is stored: the valid enrolments, the acknowledged reports, nothing else.
    expect((await api.get<DeviceList>('/api/devices?limit=1')).total).toBe(before + enrolled.size);
    const check = await AgentSocket.open(collector.agentUrl, { localAddress: address() });
    check.send(bases.hello as Record<string, unknown>);
    expect((await check.expect('welcome')).lastSeq).toBe(acked);
    check.close();
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
  });

  it('every API parameter, 2,000 generated requests: 4xx never 5xx, a JSON error, nothing changed', async () => {
    const deviceId = pc.identity!.deviceId;
    const before = await api.get<DeviceDetail>(`/api/devices/${deviceId}`);
    const total = (await api.get<DeviceList>('/api/devices?limit=1')).total;
    const queryKeys = ['readiness', 'check', 'unknown', 'device', 'key', 'user', 'online', 'model', 'tag', 'q', 'sort', 'order', 'limit', 'offset', 'bogus', '__proto__', ''];
    const values = (random: Random): string =>
      random.pick([
        ...NASTY_STRINGS.map((s) => s.slice(0, 2_000)), '-1', '0', '1e309', '99999999999999999999', '500', '501', 'asc', 'desc', 'ready', 'os.build', 'true', 'false', '%', '%zz', '%00',
      ]);
    const encode = (text: string): string => {
      try {
        return encodeURIComponent(text);
      } catch {
        return '%ED%A0%80'; // a lone surrogate as raw UTF-8 bytes
      }
    };
    const statuses = new Map<number, number>();
    for (let seed = 1; seed <= 2_000; seed += 1) {
      const random = prng(100_000 + seed);
      const params = Array.from({ length: random.int(4) }, () => `${encode(random.pick(queryKeys))}=${encode(values(random))}`).join('&');
      const id = random.next() < 0.2 ? deviceId : random.next() < 0.5 ? encode(values(random)) : random.pick(['..', '%2e%2e', '%2F', 'a%00b', '%', '%E0%A4%A', 'x'.repeat(300), deviceId.toUpperCase()]);
      const route = random.int(9);
      let method = 'GET';
      let path: string;
      let body: string | undefined;
      if (route <= 2) path = `/api/devices?${params}`;
      else if (route === 3) path = `/api/export.${random.pick(['csv', 'json'])}?${params}`;
      else if (route === 4) path = `/api/devices/${id}?${params}`;
      else if (route === 5) path = `/api/summary?${params}`;
      else if (route === 6) {
        // Refused before any change by the id, a wrong method or a bad body; the real device only with a wrong method.
        method = random.pick(['POST', 'PUT', 'DELETE', 'PATCH']);
        const action = random.pick(['recheck', 'revoke', 'allow-reenroll', 'nope']);
        path = `/api/devices/${id === deviceId && method === 'POST' && action !== 'recheck' ? 'not-this-one' : id}/${action}`;
        body = random.next() < 0.5 ? generate({ requestId: 'x' }, random, seed) : undefined;
      } else if (route === 7) {
        method = 'POST';
        path = '/api/login';
        body = generate({ username: 'admin', password: 'not-the-password' }, random, seed);
      } else path = `/api/${encode(values(random))}`;
      const response = await fetch(`${collector.url}${path}`, {
        method,
        headers: { cookie: api.cookie, 'x-keyready-csrf': api.csrfToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body }),
      });
      const text = await response.text();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const where = `seed ${seed}: ${method} ${path.slice(0, 160)} → ${response.status} ${text.slice(0, 120)}`;
      expect(response.status, where).toBeLessThan(500);
      if (response.status >= 400) expect((JSON.parse(text) as { error?: unknown }).error, where).toEqual(expect.any(String));
    }
    expect(collector.child.exitCode).toBeNull();
    const after = await api.get<DeviceDetail>(`/api/devices/${deviceId}`);
    expect(after.revocation).toBeNull();
    expect(after.enrollments).toEqual(before.enrollments);
    expect((await api.get<DeviceList>('/api/devices?limit=1')).total).toBe(total);
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
  });
});
