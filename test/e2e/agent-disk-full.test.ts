// The agent's disk full while the collector is away: the real agent process (the built bundle) with
// its outbox on a 2 MiB tmpfs that the test fills to the last byte (the kernel's own ENOSPC; only the
// outbox folder is on it, so the agent's log — on a real PC as full as the rest — stays readable for
// the test). The outbox must stay bounded and readable, the agent alive, and once space returns the
// PC's current state must be queued and delivered.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeviceDetail } from '../../protocol/api.ts';
import { startAgentProcess, type AgentProcess } from '../../sim/processes/agent-process.ts';
import { startCollectorProcess, type CollectorProcess } from '../../sim/processes/collector-process.ts';
import { ApiClient } from '../support/api-client.ts';
import { until } from '../support/eventually.ts';
import { mountSmallDisk } from '../support/small-disk.ts';
import { freePort } from '../../sim/processes/free-port.ts';

const FIXTURES = resolve(import.meta.dirname, '..', 'fixtures', 'dsregcmd');
const STATES = {
  ready: join(FIXTURES, '01_entra-joined_win10-19041_prt-yes_FULL.txt'),
  workgroup: join(FIXTURES, '10_workgroup-not-joined_2020_TRUNCATED.txt'),
  joinFailed: join(FIXTURES, '13_MSDOCS_diagnostic-data_prejoin_discover-FAIL_0x801c0021.txt'),
};
const SECRET = 'disk-full-enrollment-secret-0123456789';
const root = mkdtempSync(join(tmpdir(), 'keyready-disk-full-'));
const outboxDir = join(root, 'pc', 'outbox');
const small = mountSmallDisk(outboxDir, 2 * 1024 * 1024);

describe.skipIf(!small.available)('agent with a full disk while the collector is away', () => {
  let agent: AgentProcess | null = null;
  let collector: CollectorProcess | null = null;

  afterAll(async () => {
    await agent?.kill9();
    await collector?.kill9();
    small.disk?.unmount();
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps a bounded, readable outbox, stays up, and delivers the current state once space returns', async () => {
    const disk = small.disk!;
    const status = join(root, 'status.txt');
    const set = (state: keyof typeof STATES) => {
      copyFileSync(STATES[state], `${status}.new`);
      renameSync(`${status}.new`, status);
    };
    set('ready');
    const port = await freePort();
    agent = startAgentProcess({
      collectorUrl: `ws://127.0.0.1:${port}`,
      enrollSecret: SECRET,
      dataDir: join(root, 'pc'),
      source: ['--dsregcmd', status],
      config: { outbox: { maxEntries: 3 } },
    });
    const queued = () => agent!.logLines().filter((l) => l.message === 'report queued');
    const logged = (message: string) => agent!.logLines().filter((l) => l.message === message);
    // While the collector is away the outbox bounds itself: 3 entries, the oldest dropped and counted.
    for (const state of ['workgroup', 'joinFailed', 'ready', 'workgroup'] as const) {
      const before = queued().length;
      set(state);
      await until(`${state} queued`, () => queued().length > before);
    }
    expect(entries()).toHaveLength(3);
    expect(logged('outbox full, oldest reports dropped').length).toBeGreaterThanOrEqual(1);

    const filled = disk.fill();
    expect(filled).toBeGreaterThan(0);
    set('joinFailed');
    await until('the failure to queue logged', () => logged('report not queued; trying again at each re-probe').length === 1);
    expect(logged('report not queued; trying again at each re-probe')[0]?.error).toMatch(/ENOSPC/);
    const whileFull = queued().length;
    // It keeps trying (every re-probe, 200 ms here) without piling up or crashing.
    await until('retried while full', () => logged('report still not queued').length >= 3);
    expect(logged('re-probe failed')).toEqual([]);
    expect(agent.child.exitCode).toBeNull();
    expect(queued().length).toBe(whileFull);
    // Nothing torn: no temp file left, every entry and the state file parse.
    expect(readdirSync(outboxDir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
    for (const name of entries()) expect(() => JSON.parse(readFileSync(join(outboxDir, name), 'utf8'))).not.toThrow();
    expect(() => JSON.parse(readFileSync(join(outboxDir, 'state.json'), 'utf8'))).not.toThrow();

    // Space returns: the state the PC is in now is queued without any further change on the PC.
    rmSync(join(outboxDir, 'filler'));
    // Two log lines written one after the other: the second may be read a moment after the first.
    await until('the current state queued after space returned', () => logged('queueing reports again').length === 1 && queued().length > whileFull);
    expect(queued().length).toBe(whileFull + 1);
    expect(entries()).toHaveLength(3);

    collector = await startCollectorProcess({ db: `sqlite:${join(root, 'collector.sqlite')}`, args: ['--port', String(port), '--enroll-secret', SECRET] });
    await until('the outbox drained', () => entries().length === 0);
    const api = await ApiClient.login(collector.url, collector.adminPassword!);
    const deviceId = logged('enrolled')[0]?.deviceId as string;
    const detail = await api.get<DeviceDetail>(`/api/devices/${deviceId}`);
    // The last state the PC was in is what the dashboard shows; the dropped reports are counted.
    expect(detail.report?.checks.find((c) => c.id === 'join.state')?.status).toBe('unknown'); // joinFailed, not the workgroup state before it
    expect(detail.report?.readiness).toBe(queued().at(-1)?.readiness);
    expect(detail.history[0]?.seq).toBe(queued().at(-1)?.seq);
    expect(detail.droppedReports).toBeGreaterThanOrEqual(2);
    expect(agent.child.exitCode).toBeNull();
    expect(existsSync(join(outboxDir, 'quarantine'))).toBe(false);
  });

  function entries(): string[] {
    return readdirSync(outboxDir).filter((n) => /^\d{16}\.json$/.test(n));
  }
});
