// The request-line reader the front process sorts plain-HTTP connections by, on real captures
// (test/fixtures/request-line/SOURCE.md): Chromium opening the dashboard and the agent's upgrade,
// whole, cut at every length, and fed to a real socket a byte at a time.
import { readFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_LINE_BYTES, isAgentRequest, readRequestLine, sortByRequestLine } from '../../../../collector/server/request-line.ts';

const fixture = (name: string): Buffer => readFileSync(join(import.meta.dirname, '../../../fixtures/request-line', name));
const chromium = fixture('chromium-156.bin');
const agent = fixture('node-20-ws-agent.bin');
const clientHello = readFileSync(join(import.meta.dirname, '../../../fixtures/client-hello', 'node-20-no-alpn.bin'));

const line = (text: string) => readRequestLine(Buffer.from(text, 'latin1'));

describe('readRequestLine', () => {
  it('reads the method and target of a browser\'s request and of an agent\'s upgrade', () => {
    expect(readRequestLine(chromium)).toEqual({ kind: 'complete', method: 'GET', target: '/' });
    expect(readRequestLine(agent)).toEqual({ kind: 'complete', method: 'GET', target: '/agent' });
    expect(isAgentRequest(readRequestLine(agent))).toBe(true);
    expect(isAgentRequest(readRequestLine(chromium))).toBe(false);
  });

  it('says incomplete for every cut before the line ends, never a wrong answer', () => {
    for (const head of [chromium, agent]) {
      const end = head.indexOf('\n');
      for (let cut = 0; cut <= end; cut++) expect(readRequestLine(head.subarray(0, cut)), `cut at ${cut}`).toEqual({ kind: 'incomplete' });
      expect(readRequestLine(head.subarray(0, end + 1)).kind).toBe('complete');
    }
  });

  it('takes the agents\' endpoint as the collector does, query and absolute form included, and nothing else', () => {
    for (const agentLine of ['GET /agent HTTP/1.1\r\n', 'GET /agent?x=1 HTTP/1.1\r\n', 'GET http://collector.example:8443/agent HTTP/1.1\r\n', 'GET /agent HTTP/1.0\n']) {
      expect(isAgentRequest(line(agentLine)), agentLine).toBe(true);
    }
    for (const other of ['GET /agentx HTTP/1.1\r\n', 'GET /agent/ HTTP/1.1\r\n', 'GET /api/live HTTP/1.1\r\n', 'POST /agent HTTP/1.1\r\n', 'get /agent HTTP/1.1\r\n', 'GET / HTTP/1.1\r\n']) {
      expect(isAgentRequest(line(other)), other).toBe(false);
    }
  });

  it('calls what is not a request line invalid: a TLS ClientHello, spaces out of place, control bytes, no line end in time', () => {
    expect(readRequestLine(clientHello)).toEqual({ kind: 'invalid' });
    expect(line('GET  /agent HTTP/1.1\r\n')).toEqual({ kind: 'invalid' });
    expect(line('GET /agent\r\n')).toEqual({ kind: 'invalid' });
    expect(line('GET /ag\x00ent HTTP/1.1\r\n')).toEqual({ kind: 'invalid' });
    expect(line('\r\n')).toEqual({ kind: 'invalid' });
    expect(readRequestLine(Buffer.alloc(MAX_REQUEST_LINE_BYTES - 1, 'a'))).toEqual({ kind: 'incomplete' });
    expect(readRequestLine(Buffer.alloc(MAX_REQUEST_LINE_BYTES, 'a'))).toEqual({ kind: 'invalid' });
    expect(isAgentRequest({ kind: 'invalid' })).toBe(false);
  });
});

describe('sortByRequestLine', () => {
  /** What a paused connection to a real server is sorted as, its client sending `bytes` a byte at a time. */
  async function sortedOver(bytes: Buffer): Promise<{ received: Buffer; browser: boolean; calls: number }> {
    let calls = 0;
    let resolveSorted!: (value: { received: Buffer; browser: boolean }) => void;
    const sorted = new Promise<{ received: Buffer; browser: boolean }>((resolve) => (resolveSorted = resolve));
    const server = net.createServer({ pauseOnConnect: true }, (socket) =>
      sortByRequestLine(socket, (received, browser) => {
        calls += 1;
        resolveSorted({ received, browser });
        socket.destroy();
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    // The server closes its end once sorted: the bytes still being sent may meet a reset.
    client.on('error', () => undefined);
    try {
      await new Promise((resolve) => client.once('connect', resolve));
      client.setNoDelay(true);
      const written = (async () => {
        for (let at = 0; at < bytes.length; at++) {
          await new Promise<void>((resolve) => client.write(bytes.subarray(at, at + 1), () => resolve()));
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const result = await sorted;
      await written;
      return { ...result, calls };
    } finally {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('sorts an agent\'s upgrade and a browser\'s page once each, with every byte read kept for the server that takes them', async () => {
    const upgrade = await sortedOver(agent);
    expect(upgrade.browser).toBe(false);
    expect(upgrade.calls).toBe(1);
    expect(agent.subarray(0, upgrade.received.length).equals(upgrade.received)).toBe(true);
    expect(upgrade.received.includes('\n')).toBe(true);
    const page = await sortedOver(chromium);
    expect(page.browser).toBe(true);
    expect(page.calls).toBe(1);
    expect(chromium.subarray(0, page.received.length).equals(page.received)).toBe(true);
  });
});
