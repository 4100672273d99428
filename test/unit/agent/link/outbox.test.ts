import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox, OUTBOX_DEFAULTS } from '../../../../agent/link/outbox.ts';
import { memoryLog } from '../../../support/memory-log.ts';
import { makeReport } from '../../../../sim/fleet/reports.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyready-outbox-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const open = (dir: string, limits = OUTBOX_DEFAULTS) => {
  const { log, lines } = memoryLog();
  return { outbox: Outbox.open(dir, limits, log), lines };
};

describe('outbox', () => {
  it.skipIf(process.platform === 'win32')('is owner-only (0700 folder, 0600 entries) under umask 022, and tightens a folder left 0755', () => {
    const dir = join(tempDir(), 'outbox');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const previous = process.umask(0o022);
    try {
      const { outbox } = open(dir);
      outbox.append(makeReport({ hostname: 'PC-MODES' }));
    } finally {
      process.umask(previous);
    }
    expect((statSync(dir).mode & 0o777).toString(8)).toBe('700');
    for (const name of readdirSync(dir)) expect([name, (statSync(join(dir, name)).mode & 0o777).toString(8)]).toEqual([name, '600']);
  });

  it('keeps reports in order until each is acknowledged, across restarts', () => {
    const dir = tempDir();
    const { outbox } = open(dir);
    expect([outbox.append(makeReport({ hostname: 'A' })), outbox.append(makeReport({ hostname: 'B' }), 'req-1'), outbox.append(makeReport({ hostname: 'C' }))]).toEqual([0, 1, 2]);
    outbox.ack(1);

    const reopened = open(dir).outbox;
    expect(reopened.pending()).toEqual([0, 2]);
    expect(reopened.read(0)?.report.device.hostname).toBe('A');
    expect(reopened.read(2)?.report.device.hostname).toBe('C');
    expect(reopened.read(2)?.requestId).toBeUndefined();
  });

  it('never reuses a sequence number, even after every entry was acknowledged and the agent restarted', () => {
    const dir = tempDir();
    const { outbox } = open(dir);
    for (let i = 0; i < 3; i++) outbox.ack(outbox.append(makeReport())!);
    expect(outbox.pending()).toEqual([]);
    expect(open(dir).outbox.append(makeReport())).toBe(3);
  });

  it('survives kill -9 in the middle of writing: every queued entry reads back whole, sequences continue', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/outbox-writer.ts', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const queued: number[] = [];
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n')) if (line) queued.push(Number(line));
        if (queued.length >= 40 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      });
      child.on('exit', () => resolve());
    });
    expect(child.signalCode).toBe('SIGKILL');

    const { outbox, lines } = open(dir);
    const pending = outbox.pending();
    // Everything the writer reported as queued is there; at most the one being written when it died is extra.
    expect(pending.slice(0, queued.length)).toEqual(queued);
    expect(pending.length - queued.length).toBeLessThanOrEqual(1);
    for (const seq of pending) expect(outbox.read(seq)?.report.schema).toBe('keyready.report/1');
    expect(lines.filter((l) => String(l.message).includes('quarantined'))).toEqual([]);
    expect(readdirSync(dir).filter((name) => name.startsWith('.tmp-'))).toEqual([]);
    expect(outbox.append(makeReport())).toBe(pending.at(-1)! + 1);
  });

  it('when full, drops the oldest, counts them, and keeps the count across restarts', () => {
    const dir = tempDir();
    const { outbox, lines } = open(dir, { maxEntries: 5, maxBytes: 1024 ** 2 });
    for (let i = 0; i < 8; i++) outbox.append(makeReport({ hostname: `PC-${i}` }));
    expect(outbox.pending()).toEqual([3, 4, 5, 6, 7]);
    expect(outbox.dropped).toBe(3);
    expect(lines.some((l) => l.message === 'outbox full, oldest reports dropped')).toBe(true);

    const reopened = open(dir, { maxEntries: 5, maxBytes: 1024 ** 2 }).outbox;
    expect(reopened.dropped).toBe(3);
    expect(reopened.read(3)?.report.device.hostname).toBe('PC-3');
  });

  it('bounds the bytes as well as the count', () => {
    const dir = tempDir();
    const { outbox } = open(dir);
    outbox.append(makeReport());
    const oneEntry = outbox.bytes;
    const small = open(tempDir(), { maxEntries: 1_000, maxBytes: oneEntry * 3 + 10 }).outbox;
    for (let i = 0; i < 10; i++) small.append(makeReport());
    expect(small.pending()).toHaveLength(3);
    expect(small.bytes).toBeLessThanOrEqual(oneEntry * 3 + 10);
    expect(small.dropped).toBe(7);
  });

  it('refuses a report larger than a wire message instead of blocking the queue behind it', () => {
    const { outbox, lines } = open(tempDir());
    const huge = makeReport();
    huge.facts.credentialProvider.excludedList = 'x'.repeat(300 * 1024);
    expect(outbox.append(huge)).toBeNull();
    expect(outbox.pending()).toEqual([]);
    expect(outbox.dropped).toBe(1);
    expect(lines.some((l) => l.message === 'report too large to send, dropped')).toBe(true);
  });

  it('quarantines a corrupt entry and a corrupt state file without stopping', () => {
    const dir = tempDir();
    const { outbox } = open(dir);
    for (let i = 0; i < 3; i++) outbox.append(makeReport({ hostname: `PC-${i}` }));
    writeFileSync(join(dir, '0000000000000001.json'), '{"createdAt": "2026-01-01", "report": {"schema": tru');
    writeFileSync(join(dir, 'state.json'), 'garbage');
    writeFileSync(join(dir, 'notes.txt'), 'left by someone');

    const { outbox: reopened, lines } = open(dir);
    expect(reopened.read(1)).toBeNull();
    expect(reopened.pending()).toEqual([0, 2]);
    expect(reopened.read(2)?.report.device.hostname).toBe('PC-2');
    // The counter came back from the entries: the next sequence still follows the newest.
    expect(reopened.append(makeReport())).toBe(3);
    const quarantined = readdirSync(join(dir, 'quarantine'));
    expect(quarantined.some((n) => n.endsWith('0000000000000001.json'))).toBe(true);
    expect(quarantined.some((n) => n.endsWith('state.json'))).toBe(true);
    expect(quarantined.some((n) => n.endsWith('notes.txt'))).toBe(true);
    expect(lines.filter((l) => String(l.message).endsWith('quarantined'))).toHaveLength(3);
  });

  it('removes leftovers of an interrupted write on open', () => {
    const dir = tempDir();
    open(dir).outbox.append(makeReport());
    writeFileSync(join(dir, '.tmp-999-0000000000000001.json'), '{"half');
    const { outbox } = open(dir);
    expect(outbox.pending()).toEqual([0]);
    expect(readdirSync(dir).sort()).toEqual(['0000000000000000.json', 'state.json']);
  });

  it("reconciles with the collector: drops what it already stored, renumbers after a reset data directory", () => {
    const dir = tempDir();
    const { outbox } = open(dir);
    for (let i = 0; i < 4; i++) outbox.append(makeReport({ hostname: `PC-${i}` }));
    outbox.reconcile(1); // acknowledgements of 0 and 1 were lost
    expect(outbox.pending()).toEqual([2, 3]);

    // The collector already holds sequence 40 for this device: these two were never stored.
    outbox.reconcile(40);
    expect(outbox.pending()).toEqual([41, 42]);
    expect(outbox.read(41)?.report.device.hostname).toBe('PC-2');
    expect(outbox.read(42)?.report.device.hostname).toBe('PC-3');
    expect(open(dir).outbox.append(makeReport())).toBe(43);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))).toMatchObject({ nextSeq: 44 });
  });
});
