// Random reports and random CBOR, from a seeded PRNG (a failure names its seed): whatever a device
// sends, only named FidoErrors come out of the framing and decoding, and a scan never throws.
import { describe, expect, it } from 'vitest';
import { MessageAssembler } from '../../../../agent/fido/ctaphid.ts';
import { parseGetInfo, parseSensorInfo } from '../../../../agent/fido/ctap2.ts';
import { FidoError } from '../../../../agent/fido/errors.ts';
import { captureDevice } from '../../../../agent/fido/scanner.ts';
import { keyFromDevice } from '../../../../agent/fido/keyinfo.ts';
import { fidoDevice } from '../../../../sim/authenticator/in-process.ts';
import { encodeGetInfo } from '../../../../sim/authenticator/authenticator.ts';
import { ATKEY_PRO_PUBLISHED } from '../../../../sim/authenticator/profiles.ts';
import { scriptedTransport } from '../../../support/scripted-transport.ts';
import { prng } from '../../../../sim/prng.ts';

const CID = 0x03000000;

/** A report that is often plausible: our channel, an init or continuation header, a short length. */
function randomReport(random: ReturnType<typeof prng>): Uint8Array {
  const report = random.bytes(random.int(8) === 0 ? random.int(64) : 64);
  if (report.length >= 7 && random.next() < 0.7) {
    new DataView(report.buffer).setUint32(0, random.next() < 0.8 ? CID : 0xffffffff);
    if (random.next() < 0.5) {
      report[4] = 0x80 | random.pick([0x10, 0x06, 0x3b, 0x3f, random.int(128)]);
      report[5] = random.next() < 0.8 ? 0 : random.int(256);
    } else {
      report[4] = random.int(4);
    }
  }
  return report;
}

function expectOnlyFidoErrors(action: () => unknown, seed: number): void {
  try {
    action();
  } catch (error) {
    if (!(error instanceof FidoError)) throw new Error(`seed ${seed}: ${String(error)}`);
  }
}

describe('fuzzing', () => {
  it('reassembles 20,000 random reports throwing nothing but FidoError', () => {
    for (let seed = 1; seed <= 2_000; seed++) {
      const random = prng(seed);
      const assembler = new MessageAssembler(CID);
      for (let i = 0; i < 10; i++) expectOnlyFidoErrors(() => assembler.push(randomReport(random)), seed);
    }
  });

  it('decodes 5,000 random and mutated getInfo replies throwing nothing but FidoError', () => {
    const valid = Uint8Array.of(0, ...encodeGetInfo(ATKEY_PRO_PUBLISHED));
    for (let seed = 1; seed <= 5_000; seed++) {
      const random = prng(seed);
      let reply: Uint8Array;
      if (seed % 2) {
        reply = random.bytes(random.int(120));
        if (reply.length) reply[0] = random.next() < 0.8 ? 0 : reply[0]!;
      } else {
        reply = new Uint8Array(valid.subarray(0, 1 + random.int(valid.length)));
        for (let flips = random.int(4); flips > 0; flips--) reply[1 + random.int(reply.length - 1 || 1)] = random.int(256);
      }
      expectOnlyFidoErrors(() => parseGetInfo(reply), seed);
      expectOnlyFidoErrors(() => parseSensorInfo(reply), seed);
    }
  });

  it('scans 400 devices that answer random reports without throwing, each closed, each reported', async () => {
    for (let seed = 1; seed <= 400; seed++) {
      const random = prng(seed);
      const transport = scriptedTransport((report) => {
        const replies = Array.from({ length: random.int(4) }, () => randomReport(random));
        // Echo the INIT nonce sometimes so the fuzz reaches getInfo.
        if (report[4] === 0x86 && random.next() < 0.6) {
          const init = new Uint8Array(64);
          init.set(report.subarray(0, 4));
          init.set([0x86, 0x00, 0x11], 4);
          init.set(report.subarray(7, 15), 7);
          init.set([0x03, 0, 0, 0, 2, 1, 0, 0, random.int(256)], 15);
          replies.unshift(init);
        }
        return replies;
      });
      const backend = { name: 'fuzz', enumerate: async () => [], open: async () => transport };
      const record = await captureDevice(backend, fidoDevice(), { channel: { timeoutMs: 5, busyDelayMs: 1 } });
      const key = keyFromDevice(record);
      expect(transport.closed, `seed ${seed}`).toBe(true);
      expect(['ok', 'error']).toContain(key.access);
      if (key.access === 'error') expect(key.error, `seed ${seed}`).toMatch(/^[A-Z_]+: /);
    }
  });
});
