// Faults between the agent's link (agent/link: its real outbox and WebSocket client, in this process)
// and a real collector process on SQLite: a connection cut in the middle of a frame, either way, and
// an agent whose clock is days off. What must hold is what a user would see: every report stored
// exactly once, nothing partial, and the dashboard's times on the collector's clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DeviceDetail } from '../../protocol/api.ts';
import { CollectorLink } from '../../agent/link/client.ts';
import { Outbox } from '../../agent/link/outbox.ts';
import { makeReport } from '../../sim/fleet/reports.ts';
import { startCollectorProcess, type CollectorProcess } from '../../sim/processes/collector-process.ts';
import { ApiClient } from '../support/api-client.ts';
import { CuttingProxy } from '../support/cutting-proxy.ts';
import { until } from '../support/eventually.ts';
import { memoryLog } from '../support/memory-log.ts';

const SECRET = 'faults-enrollment-secret-0123456789';
const DAY = 86_400_000;

describe('faults between agent and collector', () => {
  let root: string;
  let collector: CollectorProcess;
  let api: ApiClient;
  const cleanup: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'keyready-faults-'));
    collector = await startCollectorProcess({ db: `sqlite:${join(root, 'collector.sqlite')}`, args: ['--enroll-secret', SECRET] });
    api = await ApiClient.login(collector.url, collector.adminPassword!);
  });

  afterEach(async () => {
    vi.useRealTimers();
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  afterAll(async () => {
    await collector?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  /** The agent's link as the service runs it, on its own data folder. */
  function agent(name: string, url: string) {
    const dataDir = mkdtempSync(join(root, `${name}-`));
    const { log, lines } = memoryLog();
    const outbox = Outbox.open(join(dataDir, 'outbox'), { maxEntries: 1_000, maxBytes: 64 * 1024 * 1024 }, log);
    const link = new CollectorLink({
      url,
      enrollSecret: SECRET,
      dataDir,
      identity: () => ({ hostname: name, hardware: { uuid: `uuid-${name}`, serial: null, manufacturer: 'LENOVO', model: '21HD' }, agentVersion: '0.1.0', tags: {} }),
      outbox,
      backoff: { baseMs: 20, capMs: 200 },
      window: 4,
      ratePerSecond: 1_000,
      log,
      secrets: new Set(),
      onRecheck: () => undefined,
    });
    cleanup.push(() => link.stop());
    const deviceId = () => until(`${name} enrolled`, () => lines.find((l) => typeof l.deviceId === 'string' && l.message === 'enrolled')?.deviceId as string | undefined);
    return { link, outbox, lines, deviceId };
  }

  const detail = (deviceId: string) => api.get<DeviceDetail>(`/api/devices/${deviceId}`);

  it('a connection cut mid-frame, either way: nothing partial stored, the agent resends or enrolls again, every report stored once', async () => {
    const proxy = await CuttingProxy.start({ host: '127.0.0.1', port: collector.port });
    cleanup.push(() => proxy.close());
    const pc = agent('PC-CUT-0001', proxy.url);
    // A report frame is several KiB; hello and enroll are far smaller and are never cut.
    proxy.cut('to-collector', { every: 3, minBytes: 2_048 });
    const COUNT = 24;
    // Each report flips a check, so each stored one is a history entry of its own: a duplicate or a
    // loss would show in the history.
    for (let i = 0; i < COUNT; i += 1) pc.outbox.append(makeReport({ hostname: 'PC-CUT-0001', statuses: { 'os.build': i % 2 === 0 ? 'pass' : 'fail' } }));
    // The first frame to the agent is its `enrolled` answer: cut, the agent enrolls again at once
    // (an identity never used is not held for the re-enrolment window).
    proxy.cut('to-agent', { every: 1, minBytes: 0, times: 1 });
    pc.link.start();
    const deviceId = await pc.deviceId();
    expect(proxy.cuts['to-agent']).toBe(1);
    // Once enrolled, the collector's data frames are welcomes and acks: every fourth is cut halfway to the agent.
    proxy.cut('to-agent', { every: 4, minBytes: 0 });
    await until('every report acknowledged', () => pc.outbox.pending().length === 0, { timeoutMs: 60_000 });
    const { history, device } = await detail(deviceId);
    expect(proxy.cuts['to-collector']).toBeGreaterThanOrEqual(3);
    expect(proxy.cuts['to-agent']).toBeGreaterThanOrEqual(3);
    expect(collector.events('agent.reenrolled').filter((e) => e.deviceId === deviceId)).toHaveLength(1);
    expect(history.map((h) => h.seq).sort((a, b) => a - b)).toEqual([...Array(COUNT).keys()]);
    expect(device.readiness).toBe('not-ready'); // the last report (seq 23) failed os.build
    // A half frame is never a message: the collector saw no malformed message, only lost connections.
    expect(collector.events('agent.fault').filter((e) => e.deviceId === deviceId)).toEqual([]);
    // A report frame is cut only on a connection that was welcomed; each such cut is followed by a new one that resends.
    expect(pc.lines.filter((l) => l.message === 'connected to the collector').length).toBeGreaterThan(proxy.cuts['to-collector']);
  });

  for (const [label, offsetMs] of [['ahead', 3 * DAY], ['behind', -3 * DAY]] as const) {
    it(`an agent clock 3 days ${label}: reports stored once, the dashboard's times on the collector's clock`, async () => {
      const realNow = () => performance.timeOrigin + performance.now();
      // Only Date is faked, and it runs on: timers, and the collector process, keep real time.
      vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
      vi.setSystemTime(realNow() + offsetMs);
      const pc = agent(`PC-CLOCK-${label}`, collector.agentUrl);
      pc.link.start();
      const deviceId = await pc.deviceId();
      for (let i = 0; i < 3; i += 1) pc.outbox.append(makeReport({ hostname: `PC-CLOCK-${label}`, generatedAt: new Date(), statuses: { 'os.build': i === 1 ? 'fail' : 'pass' } }));
      pc.link.notify();
      await until('three reports acknowledged', () => pc.outbox.pending().length === 0, { timeoutMs: 30_000 });
      const first = await detail(deviceId);
      let { device, history } = first;
      expect(history.map((h) => h.seq).sort()).toEqual([0, 1, 2]);
      // The report is kept as the agent wrote it; every time the dashboard shows is the collector's.
      expect(Math.abs(Date.parse(first.report!.generatedAt) - realNow() - offsetMs)).toBeLessThan(60_000);
      for (const at of [device.lastSeen, device.lastReport, device.keySeenAt, ...history.map((h) => h.at)]) {
        expect(Math.abs(Date.parse(at!) - realNow()), `${at} vs now`).toBeLessThan(60_000);
      }
      expect(device.online).toBe(true);
      expect(collector.events('agent.clock').filter((e) => e.deviceId === deviceId)).toHaveLength(1);

      // Then the clock is corrected (NTP steps it by days) while the agent is connected: it keeps
      // sending at its normal rate, and the key is still dated by the collector's clock.
      vi.setSystemTime(realNow());
      for (let i = 0; i < 3; i += 1) pc.outbox.append(makeReport({ hostname: `PC-CLOCK-${label}`, generatedAt: new Date(), statuses: { 'os.build': i === 1 ? 'pass' : 'fail' } }));
      pc.link.notify();
      await until('three more reports acknowledged after the clock step', () => pc.outbox.pending().length === 0, { timeoutMs: 15_000 });
      ({ device, history } = await detail(deviceId));
      expect(history.map((h) => h.seq).sort()).toEqual([0, 1, 2, 3, 4, 5]);
      expect(Math.abs(Date.parse(device.keySeenAt!) - realNow())).toBeLessThan(60_000);
    });
  }
});
