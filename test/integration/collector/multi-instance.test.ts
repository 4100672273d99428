// Two collector processes on one PostgreSQL act as one: an agent on B is rechecked through A's API,
// A's dashboards see B's devices change live, and when B dies A marks B's devices offline.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceDetail, LiveEvent } from '../../../protocol/api.ts';
import { ApiClient } from '../../support/api-client.ts';
import { startCollectorProcess, type CollectorProcess } from '../../../sim/processes/collector-process.ts';
import { eventually } from '../../support/eventually.ts';
import { makeReport } from '../../../sim/fleet/reports.ts';
import { SimAgent } from '../../../sim/fleet/sim-agent.ts';
import { postgresTarget } from './stores.ts';

const HEARTBEAT_MS = 300;

describe('two collectors on one PostgreSQL', () => {
  const target = postgresTarget();
  let a: CollectorProcess;
  let b: CollectorProcess;
  let apiA: ApiClient;

  beforeAll(async () => {
    const db = await target.create();
    const env = { KEYREADY_HEARTBEAT_MS: String(HEARTBEAT_MS) };
    // Started together: they race to create the secrets, and both must end up with the same ones.
    [a, b] = await Promise.all([startCollectorProcess({ db, env }), startCollectorProcess({ db, env })]);
    apiA = await ApiClient.login(a.url, (a.adminPassword ?? b.adminPassword)!);
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await target.cleanup();
  });

  it('agree on the enrollment secret and the admin login made on first start', async () => {
    // Exactly one made (and printed) the secret; the other accepts it too.
    const secrets = [a.enrollSecret, b.enrollSecret].filter((s): s is string => s !== null);
    expect(secrets).toHaveLength(1);
    for (const collector of [a, b]) {
      const pc = new SimAgent({ url: collector.agentUrl, hostname: 'PC-SECRET', makeReport: () => makeReport({ hostname: 'PC-SECRET' }) });
      await pc.enroll(secrets[0]!);
    }
    // Exactly one of them made (and printed) the admin password.
    expect([a.adminPassword, b.adminPassword].filter(Boolean)).toHaveLength(1);
  });

  it('deliver a recheck asked of A to an agent connected to B, with live progress on A', async () => {
    const agent = new SimAgent({ url: b.agentUrl, hostname: 'PC-ON-B-0001', makeReport: () => makeReport({ hostname: 'PC-ON-B-0001' }) });
    await agent.enroll((a.enrollSecret ?? b.enrollSecret)!);
    await agent.connect();
    await agent.report();
    const deviceId = agent.identity!.deviceId;

    const live = await new Promise<{ ws: WebSocket; events: LiveEvent[] }>((resolve, reject) => {
      const ws = new WebSocket(`${a.url.replace('http', 'ws')}/api/live`, { headers: { cookie: apiA.cookie } });
      const events: LiveEvent[] = [];
      ws.on('message', (data: Buffer) => events.push(LiveEvent.parse(JSON.parse(data.toString('utf8')))));
      ws.once('open', () => resolve({ ws, events }));
      ws.once('error', reject);
    });

    const res = await apiA.request('POST', `/api/devices/${deviceId}/recheck`);
    expect(res.status).toBe(202);
    const { requestId, delivered } = res.body as { requestId: string; delivered: boolean };
    expect(delivered).toBe(true);
    await eventually(() => expect(agent.rechecksAnswered).toEqual([requestId]));
    await eventually(() => {
      const states = live.events.flatMap((e) => (e.type === 'recheck' && e.requestId === requestId ? [e.state] : []));
      expect(states).toEqual(['sent', 'reported']);
      // The device row B stored arrives on A's live socket.
      expect(live.events.some((e) => e.type === 'device' && e.device.deviceId === deviceId && e.device.online)).toBe(true);
    });
    live.ws.close();
    await agent.disconnect();
  });

  it('mark the devices of a collector that died offline, from the other one', async () => {
    const agent = new SimAgent({ url: b.agentUrl, hostname: 'PC-ON-B-0002', makeReport: () => makeReport({ hostname: 'PC-ON-B-0002' }) });
    await agent.enroll((a.enrollSecret ?? b.enrollSecret)!);
    await agent.connect();
    const deviceId = agent.identity!.deviceId;
    expect(DeviceDetail.parse(await apiA.get(`/api/devices/${deviceId}`)).device.online).toBe(true);
    await b.kill9();
    // B's socket died with it; B never wrote "disconnected". A notices B's silent heartbeat.
    await eventually(async () => expect(DeviceDetail.parse(await apiA.get(`/api/devices/${deviceId}`)).device.online).toBe(false), 10_000);
    expect(a.events('liveness.sweep').length).toBeGreaterThanOrEqual(1);
    // The agent reconnects to A and is online again there.
    agent.options.url = a.agentUrl;
    await agent.connect();
    expect(DeviceDetail.parse(await apiA.get(`/api/devices/${deviceId}`)).device.online).toBe(true);
    await agent.disconnect();
  });

  it('report a lost database: /healthz 503, reports not acknowledged (internal, 1011), the process stays up', async () => {
    const agent = new SimAgent({ url: a.agentUrl, hostname: 'PC-ON-A-0003', makeReport: () => makeReport({ hostname: 'PC-ON-A-0003' }), timeoutMs: 15_000 });
    await agent.enroll((a.enrollSecret ?? b.enrollSecret)!);
    await agent.connect();
    const socket = agent.socket!;
    await target.cleanup(); // the PostgreSQL server goes away
    const health = await fetch(`${a.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'store unreachable' });
    await expect(agent.report()).rejects.toThrow(/closed before the ack/);
    expect((await socket.closed).code).toBe(1011);
    expect(a.child.exitCode).toBeNull();
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toMatch(/^keyready_store_errors_total [1-9]/m);
  });
});
