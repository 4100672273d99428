import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'winston';
import { afterEach, describe, expect, it } from 'vitest';
import { createLog, REDACTED } from '../../../agent/log.ts';
import { until } from '../../support/eventually.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyready-log-'));
  dirs.push(dir);
  return dir;
}
function logText(dir: string): string {
  return readdirSync(join(dir, 'logs'))
    .map((name) => readFileSync(join(dir, 'logs', name), 'utf8'))
    .join('');
}
/** Waits until the file transport has written the last line, then closes the log. */
async function written(log: Logger, dir: string, lastLine: string): Promise<void> {
  await until(`${lastLine} written`, () => logText(dir).includes(lastLine));
  log.close();
}

const SECRET = 'enroll-7f3a9c2e1b';
const TOKEN = 'tok_5d1e8a6b4c2f90a7e3b1c5d7';

describe('agent log', () => {
  it('never writes a secret or a token, whichever way it is logged', async () => {
    const dir = dataDir();
    const secrets = new Set<string>([SECRET]);
    const log = createLog({ dataDir: dir, level: 'debug', maxFileBytes: 1024 ** 2, maxFiles: 2, console: false, secrets });
    // The token becomes known later (on enrollment) and is protected from then on.
    secrets.add(TOKEN);
    log.info(`enrolling with ${SECRET}`);
    log.info('enrolled', { token: TOKEN, deviceId: 'dev-1' });
    log.warn('message from collector', { raw: JSON.stringify({ type: 'hello', token: TOKEN }) });
    log.debug('nested', { request: { headers: { authorization: 'Bearer abc' }, body: { secret: 'other-secret' } } });
    log.error('connect failed', { error: new Error(`handshake refused for ${TOKEN}`) });
    log.info('connecting', { url: 'wss://admin:hunter2@collector.example:8443/agent' });
    await written(log, dir, 'connecting');

    const text = logText(dir);
    for (const leaked of [SECRET, TOKEN, 'Bearer abc', 'other-secret', 'hunter2']) expect(text).not.toContain(leaked);
    const lines = text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(6);
    expect(lines[0]!.message).toBe(`enrolling with ${REDACTED}`);
    expect(lines[1]).toMatchObject({ token: REDACTED, deviceId: 'dev-1', level: 'info' });
    expect(lines[4]).toMatchObject({ error: { message: `handshake refused for ${REDACTED}` } });
    expect(lines[5]).toMatchObject({ url: `wss://${REDACTED}@collector.example:8443/agent` });
  });

  it('rotates by size, keeps a bounded number of files, and loses no line of a burst', async () => {
    const dir = dataDir();
    const log = createLog({ dataDir: dir, level: 'info', maxFileBytes: 4_000, maxFiles: 3, console: false, secrets: new Set() });
    for (let i = 0; i < 400; i++) log.info('a line of about a hundred bytes to fill the log file quickly', { i });
    await written(log, dir, '"i":399');
    expect(readdirSync(join(dir, 'logs')).sort()).toEqual(['agent.1.log', 'agent.2.log', 'agent.log']);
    for (const name of readdirSync(join(dir, 'logs'))) expect(statSync(join(dir, 'logs', name)).size).toBeLessThanOrEqual(4_000);
    // Oldest file first: the kept lines are the newest ones, every one of them, in order.
    const kept = ['agent.2.log', 'agent.1.log', 'agent.log']
      .flatMap((name) => readFileSync(join(dir, 'logs', name), 'utf8').trim().split('\n'))
      .map((line) => (JSON.parse(line) as { i: number }).i);
    expect(kept.at(-1)).toBe(399);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, k) => 400 - kept.length + k));
    expect(kept.length).toBeGreaterThan(60);
  });

  it.skipIf(process.platform === 'win32')('keeps its logs owner-only (0700 folder, 0600 files) under umask 022, rotated ones too', async () => {
    const dir = dataDir();
    const previous = process.umask(0o022);
    try {
      const log = createLog({ dataDir: dir, level: 'info', maxFileBytes: 2_000, maxFiles: 3, console: false, secrets: new Set() });
      for (let i = 0; i < 60; i++) log.info('a line carrying the user and the tenant of this PC', { i });
      await written(log, dir, '"i":59');
    } finally {
      process.umask(previous);
    }
    expect((statSync(join(dir, 'logs')).mode & 0o777).toString(8)).toBe('700');
    const names = readdirSync(join(dir, 'logs'));
    expect(names.length).toBeGreaterThan(1);
    for (const name of names) expect([name, (statSync(join(dir, 'logs', name)).mode & 0o777).toString(8)]).toEqual([name, '600']);
  });

  it('honours the level', async () => {
    const dir = dataDir();
    const log = createLog({ dataDir: dir, level: 'warn', maxFileBytes: 1024 ** 2, maxFiles: 2, console: false, secrets: new Set() });
    log.info('chatty');
    log.warn('important');
    await written(log, dir, 'important');
    expect(logText(dir)).not.toContain('chatty');
    expect(logText(dir)).toContain('important');
  });
});
