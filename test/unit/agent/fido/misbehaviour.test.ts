// A key that misbehaves must produce a named error within its time bound, never a hang or a crash,
// and the device must be closed afterwards.
import { describe, expect, it } from 'vitest';
import { scanKeys } from '../../../../agent/fido/scanner.ts';
import { MISBEHAVIOURS, type Misbehaviour } from '../../../../sim/authenticator/authenticator.ts';
import { VirtualHidBackend, fidoDevice } from '../../../../sim/authenticator/in-process.ts';
import { ATKEY_MODEL_PROFILES, atkeyConfig } from '../../../../sim/authenticator/profiles.ts';

const TIMEOUT_MS = 250;
/** Worst case: four CHANNEL_BUSY tries with 100 ms pauses, or one timeout plus the CANCEL. */
const BOUND_MS = 4 * TIMEOUT_MS + 3 * 100 + 200;

const expected: Record<Misbehaviour, { access: 'ok' | 'error'; error?: RegExp }> = {
  'wrong-nonce': { access: 'error', error: /^NONCE_MISMATCH: / },
  'wrong-cid': { access: 'error', error: /^TIMEOUT: / },
  keepalives: { access: 'ok' },
  'channel-busy': { access: 'error', error: /^DEVICE_ERROR: CTAPHID error CHANNEL_BUSY$/ },
  'busy-once': { access: 'ok' },
  'truncated-length': { access: 'error', error: /^INVALID_CBOR: / },
  'overlong-length': { access: 'error', error: /^BAD_LENGTH: / },
  'missing-continuation': { access: 'error', error: /^INCOMPLETE: answer stopped after 57 of \d+ bytes$/ },
  'bad-sequence': { access: 'error', error: /^BAD_SEQUENCE: / },
  'invalid-cbor': { access: 'error', error: /^INVALID_CBOR: / },
  'ctap-error': { access: 'error', error: /^CTAP_ERROR: CTAP2 status INVALID_COMMAND$/ },
  silence: { access: 'error', error: /^TIMEOUT: / },
};

describe('misbehaving authenticators', () => {
  it.each(MISBEHAVIOURS)('%s → a named outcome within the bound, device closed', async (misbehaviour) => {
    const backend = new VirtualHidBackend([
      { info: fidoDevice(), config: { ...atkeyConfig(ATKEY_MODEL_PROFILES[0]!, 'both'), misbehaviour } },
    ]);
    const started = Date.now();
    const { keys } = await scanKeys(backend, { channel: { timeoutMs: TIMEOUT_MS } });
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
    const key = keys[0]!;
    const want = expected[misbehaviour];
    expect(key.access).toBe(want.access);
    if (want.error) expect(key.error).toMatch(want.error);
    else expect(key).toMatchObject({ error: null, fingerprintEnrolled: true, pinSet: true });
    // Still an ATKey by its vendor id when the AAGUID could not be read.
    expect(key.isAtkey).toBe(true);
    expect(backend.openSessions).toBe(0);
  });

  it('cancels a request the key never answered, so nothing stays pending on it', async () => {
    const backend = new VirtualHidBackend([
      { info: fidoDevice(), config: { ...atkeyConfig(ATKEY_MODEL_PROFILES[0]!, 'both'), misbehaviour: 'silence' } },
    ]);
    await scanKeys(backend, { channel: { timeoutMs: 100 } });
    const requests = backend.sessions[0]!.authenticator.requests;
    expect(requests.map((r) => r.cmd)).toEqual([0x06, 0x10, 0x11]);
  });
});
