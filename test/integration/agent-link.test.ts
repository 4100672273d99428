// The agent's collector link over a real WebSocket (and real TLS), against a scripted collector.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentEndpoint, CollectorLink, type LinkOptions } from '../../agent/link/client.ts';
import { Outbox } from '../../agent/link/outbox.ts';
import { parsePin, spkiPin } from '../../agent/link/tls.ts';
import { requireTool } from '../support/prerequisites.ts';
import { selfSignedCertificate } from '../support/certificate.ts';
import { memoryLog } from '../support/memory-log.ts';
import { makeReport } from '../../sim/fleet/reports.ts';
import { defaultScript, DEVICE_TOKEN, GOOD_SECRET, ScriptedCollector, type Script } from '../support/scripted-collector.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function collector(options: Parameters<typeof ScriptedCollector.start>[0] = {}): Promise<ScriptedCollector> {
  const c = await ScriptedCollector.start(options);
  cleanup.push(() => c.close());
  return c;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyready-link-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Agent {
  link: CollectorLink;
  outbox: Outbox;
  dataDir: string;
  lines: Array<Record<string, unknown>>;
  rechecks: string[];
}

function agent(url: string, overrides: Partial<LinkOptions> & { dataDir?: string } = {}): Agent {
  const dataDir = overrides.dataDir ?? tempDir();
  const { log, lines } = memoryLog();
  const outbox = Outbox.open(join(dataDir, 'outbox'), { maxEntries: 1_000, maxBytes: 64 * 1024 * 1024 }, log);
  const rechecks: string[] = [];
  const link = new CollectorLink({
    url,
    enrollSecret: GOOD_SECRET,
    dataDir,
    identity: () => ({ hostname: 'PC-0001', hardware: { uuid: 'u-1', serial: 's-1', manufacturer: 'LENOVO', model: '21HD' }, agentVersion: '0.1.0', tags: { site: 'Osaka' } }),
    outbox,
    backoff: { baseMs: 50, capMs: 200 },
    window: 8,
    ratePerSecond: 1_000,
    log,
    secrets: new Set(),
    onRecheck: (id) => rechecks.push(id),
    ...overrides,
  });
  cleanup.push(() => link.stop());
  return { link, outbox, dataDir, lines, rechecks };
}

function queue(a: Agent, count: number): void {
  for (let i = 0; i < count; i++) a.outbox.append(makeReport({ hostname: `PC-${i}` }));
  a.link.notify();
}

describe('collector link', () => {
  it('enrolls once, keeps the token owner-only, and never sends the secret again', async () => {
    const c = await collector();
    const a = agent(c.url);
    queue(a, 2);
    a.link.start();
    await c.waitFor(() => c.reports.length === 2);
    expect(c.received('enroll')).toHaveLength(1);
    expect(c.received('enroll')[0]).toMatchObject({ hostname: 'PC-0001', hardware: { uuid: 'u-1' }, tags: { site: 'Osaka' } });
    expect(c.received('hello')[0]).toMatchObject({ deviceId: 'dev-1', token: DEVICE_TOKEN });

    const tokenFile = join(a.dataDir, 'credentials', 'device.json');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(a.dataDir, 'credentials')).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(tokenFile, 'utf8'))).toEqual({ deviceId: 'dev-1', token: DEVICE_TOKEN });
    await a.link.stop();

    // A restarted agent (same data directory) says hello with its token: no enroll.
    const again = agent(c.url, { dataDir: a.dataDir });
    again.link.start();
    await c.waitFor(() => c.received('hello').length === 2);
    expect(c.received('enroll')).toHaveLength(1);
    // Neither the secret nor the token ever reached the log.
    const logged = JSON.stringify([...a.lines, ...again.lines]);
    expect(logged).not.toContain(GOOD_SECRET);
    expect(logged).not.toContain(DEVICE_TOKEN);
  });

  it('sends in order within the window and deletes only what was acknowledged', async () => {
    const withheld: number[] = [];
    // Acks only the first five reports; the rest stay unacknowledged.
    const script: Script = {
      onMessage(col, session, message) {
        if (message.type === 'report' && message.seq >= 5) withheld.push(message.seq);
        else defaultScript.onMessage(col, session, message);
      },
    };
    const c = await collector({ script });
    const a = agent(c.url);
    queue(a, 20);
    a.link.start();
    await c.waitFor(() => withheld.length === 8);
    await new Promise((r) => setTimeout(r, 200));
    // The window of 8 is full of unacknowledged reports: nothing more is sent.
    expect(withheld).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
    expect(c.reports.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(a.outbox.pending()).toEqual(Array.from({ length: 15 }, (_, i) => i + 5));

    // The connection drops: everything unacknowledged is sent again, in order, and then acked.
    c.script = defaultScript;
    c.sessions[0]!.ws.terminate();
    await c.waitFor(() => a.outbox.pending().length === 0);
    expect(c.reports.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(c.reports.every((r) => r.dropped === 0)).toBe(true);
  });

  it('drains a backlog at the configured rate after reconnecting', async () => {
    const c = await collector();
    const a = agent(c.url, { ratePerSecond: 20, window: 4 });
    queue(a, 24);
    const started = Date.now();
    a.link.start();
    await c.waitFor(() => c.reports.length === 24);
    // A burst of one window, then 20 per second: the other 20 take about a second.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('drops what the collector already stored (lost acks) when it says hello', async () => {
    const c = await collector();
    c.lastSeq = 2;
    const a = agent(c.url);
    queue(a, 5);
    a.link.start();
    await c.waitFor(() => a.outbox.pending().length === 0);
    expect(c.reports.map((r) => r.seq)).toEqual([3, 4]);
  });

  it("honours the collector's retry hint and never comes back sooner", async () => {
    const script: Script = {
      onMessage(col, session, message) {
        if (col.sessions.length === 1) {
          session.ws.send(JSON.stringify({ type: 'error', code: 'overloaded', message: 'busy', retryAfterMs: 1_500 }));
          session.ws.close(4503, 'overloaded');
        } else defaultScript.onMessage(col, session, message);
      },
    };
    const c = await collector({ script });
    const a = agent(c.url);
    a.link.start();
    await c.waitFor(() => c.sessions.length === 2);
    expect(c.sessions[1]!.openedAt - c.sessions[0]!.openedAt).toBeGreaterThanOrEqual(1_500);
    await c.waitFor(() => a.link.connected);
  });

  it('after a frozen collector, reconnects once and then keeps a stable connection', async () => {
    // The first session never answers a ping (the collector frozen); every later one does.
    const c = await collector({ frozenSessions: 1 });
    const a = agent(c.url, { heartbeatMs: 100 });
    a.link.start();
    await c.waitFor(() => c.sessions.length === 2 && a.link.connected);
    expect(c.sessions[0]!.closeCode).not.toBeNull();
    // Counted in pings the second session answers, not in wall-clock time: ten beats later it is still the one.
    let pings = 0;
    c.sessions[1]!.ws.on('ping', () => (pings += 1));
    await c.waitFor(() => pings >= 10);
    expect(c.sessions).toHaveLength(2);
    expect(a.link.connected).toBe(true);
    expect(a.lines.filter((l) => String(l.message).includes('stopped answering'))).toHaveLength(1);
  });

  it('re-enrolls when its token is rejected and a secret is configured; only retries without one', async () => {
    const c = await collector();
    const a = agent(c.url);
    a.link.start();
    await c.waitFor(() => a.link.connected);
    await a.link.stop();

    // The collector forgets the device (say, restored from an old backup): the token is refused.
    const stale = agent(c.url, { dataDir: a.dataDir });
    const original = c.script;
    let refused = 0;
    c.script = {
      onMessage(col, session, message) {
        if (message.type === 'hello' && refused === 0) {
          refused += 1;
          session.ws.send(JSON.stringify({ type: 'error', code: 'unauthorized', message: 'unknown device' }));
          session.ws.close(4001, 'unauthorized');
        } else original.onMessage(col, session, message);
      },
    };
    stale.link.start();
    await c.waitFor(() => c.received('enroll').length === 2 && stale.link.connected);
    await stale.link.stop();

    // Without a secret it keeps its token and keeps trying, backing off.
    c.script = {
      onMessage(_col, session) {
        session.ws.send(JSON.stringify({ type: 'error', code: 'unauthorized', message: 'unknown device' }));
        session.ws.close(4001, 'unauthorized');
      },
    };
    const noSecret = agent(c.url, { dataDir: a.dataDir, enrollSecret: undefined });
    noSecret.link.start();
    await c.waitFor(() => c.received('hello').length >= 6);
    expect(c.received('enroll')).toHaveLength(2);
    expect(noSecret.lines.some((l) => String(l.message).includes('no enrollment secret'))).toBe(true);
  });

  it('survives garbage from the collector: logs it, reconnects, delivers', async () => {
    let garbled = false;
    const script: Script = {
      onMessage(col, session, message) {
        if (!garbled && message.type === 'hello') {
          garbled = true;
          session.ws.send('{"type":"welcome","deviceId":42}');
        } else defaultScript.onMessage(col, session, message);
      },
    };
    const c = await collector({ script });
    const a = agent(c.url);
    queue(a, 1);
    a.link.start();
    await c.waitFor(() => c.reports.length === 1);
    expect(c.sessions[0]!.closeCode).toBe(4000);
    expect(a.lines.some((l) => String(l.message).startsWith('unreadable message from the collector'))).toBe(true);
  });

  it('connects to /agent when the collector URL names only the host', () => {
    expect(agentEndpoint('wss://collector.example:8443')).toBe('wss://collector.example:8443/agent');
    expect(agentEndpoint('ws://127.0.0.1:8080/')).toBe('ws://127.0.0.1:8080/agent');
    expect(agentEndpoint('wss://proxy.example/keyready/agent')).toBe('wss://proxy.example/keyready/agent');
  });

  it('stays away for at least the cap when superseded by another agent with its identity', async () => {
    const c = await collector();
    const a = agent(c.url, { backoff: { baseMs: 10, capMs: 800 } });
    a.link.start();
    await c.waitFor(() => a.link.connected);
    const closedAt = Date.now();
    c.sessions[0]!.ws.close(4009, 'superseded');
    await c.waitFor(() => c.sessions.length === 2, 5_000);
    expect(c.sessions[1]!.openedAt - closedAt).toBeGreaterThanOrEqual(800);
  });

  it('passes a recheck to the service and closes with 1000 on stop', async () => {
    const c = await collector();
    const a = agent(c.url);
    a.link.start();
    await c.waitFor(() => a.link.connected);
    c.sessions[0]!.ws.send(JSON.stringify({ type: 'recheck', requestId: 'req-42' }));
    await c.waitFor(() => a.rechecks.length === 1);
    expect(a.rechecks).toEqual(['req-42']);
    await a.link.stop();
    await c.waitFor(() => c.sessions[0]!.closeCode !== null);
    expect(c.sessions[0]!.closeCode).toBe(1000);
  });

  // openssl makes the collector's self-signed certificate.
  const openssl = requireTool('openssl', 'openssl');
  it.skipIf(!openssl.available)('does not speak to a server whose certificate does not match the pin', async () => {
    const dir = tempDir();
    const { cert, key } = selfSignedCertificate(openssl.path!, dir);
    const tls = { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
    const c = await collector({ tls });

    const pinned = agent(c.url, { pin: parsePin(spkiPin(new X509Certificate(tls.cert))) });
    queue(pinned, 1);
    pinned.link.start();
    await c.waitFor(() => c.reports.length === 1);
    await pinned.link.stop();

    const fingerprint = new X509Certificate(tls.cert).fingerprint256;
    const byFingerprint = agent(c.url, { pin: parsePin(fingerprint), dataDir: pinned.dataDir });
    byFingerprint.link.start();
    await c.waitFor(() => byFingerprint.link.connected);
    await byFingerprint.link.stop();

    const messagesBefore = c.sessions.flatMap((s) => s.messages).length;
    const wrong = agent(c.url, { pin: parsePin(`sha256/${'A'.repeat(43)}=`) });
    wrong.link.start();
    await new Promise((r) => setTimeout(r, 500));
    expect(c.sessions.flatMap((s) => s.messages).length).toBe(messagesBefore);
    expect(wrong.lines.some((l) => String(l.message).includes('does not match the configured pin'))).toBe(true);
    await wrong.link.stop();

    // A private CA file works without a pin (the self-signed certificate is its own CA).
    const viaCa = agent(c.url, { ca: Buffer.from(tls.cert), dataDir: pinned.dataDir });
    viaCa.link.start();
    await c.waitFor(() => viaCa.link.connected);
    await viaCa.link.stop();

    // Reconnecting (the collector went away: a restart storm), the agent offers its last TLS session
    // and resumes it — and the pin is still checked on the resumed session.
    const resuming = agent(c.url, { pin: parsePin(spkiPin(new X509Certificate(tls.cert))), dataDir: pinned.dataDir });
    resuming.link.start();
    await c.waitFor(() => resuming.link.connected);
    // Its sessions are the ones that said something (the wrong-pin agent's never did).
    const spoken = () => c.sessions.filter((session) => session.messages.length > 0);
    const first = spoken().length - 1;
    expect(spoken()[first]!.tlsResumed).toBe(false);
    spoken()[first]!.ws.close(1001, 'collector shutting down');
    await c.waitFor(() => spoken().length > first + 1 && resuming.link.connected);
    expect(spoken()[first + 1]!.tlsResumed).toBe(true);
    queue(resuming, 1);
    await c.waitFor(() => c.reports.length === 2);
  });
});
