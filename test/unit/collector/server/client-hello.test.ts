// The ClientHello reader on real captures (test/fixtures/client-hello/SOURCE.md): Chromium's, and Node's
// with and without ALPN, whole, cut at every length, split over two records, and damaged.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_CLIENT_HELLO_BYTES, offersHttp, readClientHelloAlpn } from '../../../../collector/server/client-hello.ts';
import { seededRandom } from '../../../../sim/prng.ts';

const fixture = (name: string): Buffer => readFileSync(join(import.meta.dirname, '../../../fixtures/client-hello', name));
const chromium = fixture('chromium-156.bin');
const nodeAgent = fixture('node-20-no-alpn.bin');
const nodeAlpn = fixture('node-20-h2-http11.bin');

/** The same handshake message carried in two TLS records, cut at `at` bytes of the message. */
function splitRecords(hello: Buffer, at: number): Buffer {
  const body = hello.subarray(5);
  const record = (part: Buffer) => Buffer.concat([Buffer.from([22, 3, 1, part.length >> 8, part.length & 0xff]), part]);
  return Buffer.concat([record(body.subarray(0, at)), record(body.subarray(at))]);
}

describe('readClientHelloAlpn', () => {
  it('reads the protocols a browser and a Node client offer, and none from an agent', () => {
    expect(readClientHelloAlpn(chromium)).toEqual({ kind: 'complete', protocols: ['h2', 'http/1.1'] });
    expect(readClientHelloAlpn(nodeAlpn)).toEqual({ kind: 'complete', protocols: ['h2', 'http/1.1'] });
    expect(readClientHelloAlpn(nodeAgent)).toEqual({ kind: 'complete', protocols: [] });
    expect(offersHttp(['h2', 'http/1.1'])).toBe(true);
    expect(offersHttp(['http/1.1'])).toBe(true);
    expect(offersHttp([])).toBe(false);
    expect(offersHttp(['keyready.v1'])).toBe(false);
  });

  it('says incomplete for every cut of a ClientHello, never a wrong answer', () => {
    for (const hello of [chromium, nodeAgent, nodeAlpn]) {
      for (let cut = 0; cut < hello.length; cut++) expect(readClientHelloAlpn(hello.subarray(0, cut)), `cut at ${cut}`).toEqual({ kind: 'incomplete' });
    }
  });

  it('reads a ClientHello split over two records, and bytes after it do not matter', () => {
    for (const at of [1, 3, 40, 300, chromium.length - 6]) {
      expect(readClientHelloAlpn(splitRecords(chromium, at)), `split at ${at}`).toEqual({ kind: 'complete', protocols: ['h2', 'http/1.1'] });
    }
    expect(readClientHelloAlpn(Buffer.concat([nodeAgent, Buffer.from([23, 3, 3, 0, 1, 0])]))).toEqual({ kind: 'complete', protocols: [] });
  });

  it('calls what is not a ClientHello invalid: plain HTTP, another record type, another handshake, lengths past the message', () => {
    expect(readClientHelloAlpn(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toEqual({ kind: 'invalid' });
    expect(readClientHelloAlpn(Buffer.from([21, 3, 1, 0, 2, 2, 40]))).toEqual({ kind: 'invalid' });
    const serverHello = Buffer.from(nodeAgent);
    serverHello[5] = 2;
    expect(readClientHelloAlpn(serverHello)).toEqual({ kind: 'invalid' });
    const longSession = Buffer.from(nodeAgent);
    longSession[5 + 4 + 34] = 0xff; // legacy_session_id length past the message
    expect(readClientHelloAlpn(longSession)).toEqual({ kind: 'invalid' });
    const huge = Buffer.from(nodeAgent);
    huge.writeUIntBE(MAX_CLIENT_HELLO_BYTES + 1, 6, 3);
    expect(readClientHelloAlpn(huge)).toEqual({ kind: 'invalid' });
  });

  it('never throws on damaged captures (seeded byte flips)', () => {
    const random = seededRandom(15);
    for (let i = 0; i < 3_000; i++) {
      const hello = Buffer.from([chromium, nodeAgent, nodeAlpn][i % 3]!);
      for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) hello[Math.floor(random() * hello.length)] = Math.floor(random() * 256);
      const result = readClientHelloAlpn(hello.subarray(0, Math.floor(random() * (hello.length + 1))));
      expect(['complete', 'incomplete', 'invalid']).toContain(result.kind);
    }
  });
});
