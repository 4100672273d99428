// Every getInfo configuration of the virtual authenticator, scanned through real CTAPHID, must yield
// the facts.keys entry the checks expect; the raw capture must replay to the identical entry.
import { describe, expect, it } from 'vitest';
import { KeyFacts } from '../../../../protocol/report.ts';
import { scanKeys } from '../../../../agent/fido/scanner.ts';
import { keysFromCapture } from '../../../../agent/fido/keyinfo.ts';
import { HidCapture } from '../../../../agent/fido/capture.ts';
import type { AuthenticatorConfig } from '../../../../sim/authenticator/authenticator.ts';
import { VirtualHidBackend, fidoDevice } from '../../../../sim/authenticator/in-process.ts';
import {
  ATKEY_MODEL_PROFILES,
  ATKEY_PRO_PUBLISHED,
  ATKEY_SENSOR,
  CTAP21_BIO_KEY,
  ENROLLMENT_STATES,
  OTHER_VENDOR_KEY,
  PREVIEW_BIO_KEY,
  U2F_ONLY,
  atkeyConfig,
} from '../../../../sim/authenticator/profiles.ts';

const fast = { channel: { timeoutMs: 300 } };

async function scanOne(config: AuthenticatorConfig, info = fidoDevice()) {
  const backend = new VirtualHidBackend([{ info, config }]);
  const result = await scanKeys(backend, fast);
  expect(result.keys).toHaveLength(1);
  expect(backend.openSessions).toBe(0);
  // Replaying the stored bytes (after a JSON round trip, as a bundle does) gives identical facts.
  const stored = HidCapture.parse(JSON.parse(JSON.stringify(result.capture)));
  expect(keysFromCapture(stored)).toEqual(result.keys);
  KeyFacts.parse(result.keys[0]);
  return { key: result.keys[0]!, capture: result.capture, session: backend.sessions[0]! };
}

const sensorFacts = {
  fingerprintKind: ATKEY_SENSOR.fingerprintKind,
  maxCaptureSamplesRequiredForEnroll: ATKEY_SENSOR.maxCaptureSamplesRequiredForEnroll,
  maxTemplateFriendlyName: ATKEY_SENSOR.maxTemplateFriendlyName,
};

describe('scanKeys over the virtual authenticator', () => {
  it('reads the published ATKey.Pro statement: fingerprint enrolled without a PIN', async () => {
    const { key, session } = await scanOne({ getInfo: ATKEY_PRO_PUBLISHED, sensor: ATKEY_SENSOR });
    expect(key).toEqual({
      vendorId: 0x31bb,
      productId: 0x0622,
      product: 'ATKey.Pro',
      aaguid: 'e1a96183-5016-4f24-b55b-e3ae23614cc6',
      model: 'ATKey.Pro CTAP2.0',
      isAtkey: true,
      versions: ['U2F_V2', 'FIDO_2_0', 'FIDO_2_1_PRE'],
      firmwareVersion: 10013,
      ctap2: true,
      pinSet: false,
      fingerprintEnrolled: true,
      uvConfigured: true,
      noMcGaPermissionsWithClientPin: false,
      sensor: sensorFacts,
      access: 'ok',
      error: null,
    });
    // Only getInfo-class commands: INIT, getInfo, getFingerprintSensorInfo (0x09, bioEnroll present).
    expect(session.authenticator.requests.map((r) => [r.cmd, r.payload[0]])).toEqual([
      [0x06, expect.any(Number)],
      [0x10, 0x04],
      [0x10, 0x09],
    ]);
  });

  for (const model of ATKEY_MODEL_PROFILES) {
    for (const state of ENROLLMENT_STATES) {
      it(`reports ${model.name} with ${state} enrolled`, async () => {
        const { key } = await scanOne(atkeyConfig(model, state));
        const pin = state === 'pin-only' || state === 'both';
        const finger = state === 'fingerprint-only' || state === 'both';
        expect(key).toMatchObject({
          aaguid: model.aaguid,
          model: model.name,
          isAtkey: true,
          pinSet: pin,
          fingerprintEnrolled: finger,
          uvConfigured: finger,
          noMcGaPermissionsWithClientPin: model.noMcGaPermissionsWithClientPin,
          sensor: sensorFacts,
          access: 'ok',
        });
      });
    }
  }

  it('asks a CTAP 2.1 key with bioEnroll for sensor info with 0x09', async () => {
    const { key, session } = await scanOne({ getInfo: CTAP21_BIO_KEY, sensor: ATKEY_SENSOR }, fidoDevice({ vendorId: 0x1234 }));
    expect(key).toMatchObject({ isAtkey: false, model: null, pinSet: true, fingerprintEnrolled: true, sensor: sensorFacts });
    expect(session.authenticator.requests.at(-1)?.payload[0]).toBe(0x09);
  });

  it('asks a 2.1-PRE key with only userVerificationMgmtPreview with the prototype 0x40', async () => {
    const { key, session } = await scanOne({ getInfo: PREVIEW_BIO_KEY, sensor: ATKEY_SENSOR }, fidoDevice({ vendorId: 0x1234 }));
    expect(key).toMatchObject({ pinSet: false, fingerprintEnrolled: false, uvConfigured: false, sensor: sensorFacts });
    expect(session.authenticator.requests.at(-1)?.payload[0]).toBe(0x40);
  });

  it('reports a U2F-only key as such, not as an error, and never sends it CBOR', async () => {
    const { key, session } = await scanOne(U2F_ONLY, fidoDevice({ vendorId: 0x1050, productId: 0x0120, product: 'Security Key' }));
    expect(key).toMatchObject({ ctap2: false, access: 'ok', error: null, aaguid: null, isAtkey: false, versions: [] });
    expect(session.authenticator.requests.map((r) => r.cmd)).toEqual([0x06]);
  });

  it('reports another vendor\'s key with its AAGUID, model unknown, no sensor request', async () => {
    const { key, session } = await scanOne({ getInfo: OTHER_VENDOR_KEY }, fidoDevice({ vendorId: 0x1050, productId: 0x0407 }));
    expect(key).toMatchObject({
      aaguid: OTHER_VENDOR_KEY.aaguid,
      model: null,
      isAtkey: false,
      pinSet: true,
      fingerprintEnrolled: null,
      uvConfigured: null,
      sensor: null,
      firmwareVersion: null,
    });
    expect(session.authenticator.requests).toHaveLength(2);
  });

  it('keeps a key readable when it refuses the sensor-info request', async () => {
    const { key, capture } = await scanOne({ getInfo: ATKEY_PRO_PUBLISHED, sensor: null });
    expect(key).toMatchObject({ access: 'ok', error: null, sensor: null, fingerprintEnrolled: true });
    expect(capture.devices[0]?.sensorInfo).toBe('01');
  });

  it('ignores getInfo keys it does not know', async () => {
    const extra = new Map<number, unknown>([
      [0x15, 'future'],
      [0x63, new Map([['x', 1]])],
    ]);
    const { key } = await scanOne({ getInfo: { ...ATKEY_PRO_PUBLISHED, extra }, sensor: ATKEY_SENSOR });
    expect(key.model).toBe('ATKey.Pro CTAP2.0');
  });

  it('reports several keys at once, and only FIDO interfaces', async () => {
    const model = ATKEY_MODEL_PROFILES[2]!;
    const backend = new VirtualHidBackend([
      { info: fidoDevice(), config: atkeyConfig(model, 'both') },
      { info: fidoDevice({ vendorId: 0x1050 }), config: { getInfo: OTHER_VENDOR_KEY } },
      // A keyboard (generic desktop page): never opened.
      { info: fidoDevice({ usagePage: 0x01, usage: 0x06, product: 'Keyboard' }), config: U2F_ONLY },
      // A backend without usage pages: AuthenTrend's vendor id is the fallback.
      { info: fidoDevice({ usagePage: null, usage: null }), config: atkeyConfig(model, 'nothing') },
      { info: fidoDevice({ usagePage: null, usage: null, vendorId: 0x046d }), config: U2F_ONLY },
    ]);
    const { keys } = await scanKeys(backend, fast);
    expect(keys.map((k) => [k.vendorId, k.model, k.fingerprintEnrolled])).toEqual([
      [0x31bb, model.name, true],
      [0x1050, null, null],
      [0x31bb, model.name, false],
    ]);
    expect(backend.sessions).toHaveLength(3);
    expect(backend.openSessions).toBe(0);
  });

  it('reports Windows access denial as "denied", never as "no key"', async () => {
    const backend = new VirtualHidBackend([
      { info: fidoDevice(), config: atkeyConfig(ATKEY_MODEL_PROFILES[0]!, 'both'), openFailure: 'could not open HID device' },
    ]);
    const { keys } = await scanKeys(backend, { ...fast, platform: 'win32' });
    expect(keys).toEqual([expect.objectContaining({ access: 'denied', isAtkey: true, model: null, error: 'ACCESS_DENIED: could not open HID device' })]);
  });

  it('tells a Linux permission problem from an unplugged device', async () => {
    const denied = new VirtualHidBackend([
      { info: fidoDevice(), config: U2F_ONLY, openFailure: "Failed to open a device with path '/dev/hidraw3': Permission denied" },
    ]);
    expect((await scanKeys(denied, { ...fast, platform: 'linux' })).keys[0]?.access).toBe('denied');
    const gone = new VirtualHidBackend([{ info: fidoDevice(), config: U2F_ONLY, openFailure: 'No such device' }]);
    expect((await scanKeys(gone, { ...fast, platform: 'linux' })).keys[0]).toMatchObject({ access: 'error', error: 'TRANSPORT: No such device' });
  });

  it('reports an enumeration failure as a source error with no keys', async () => {
    const broken = { name: 'broken', enumerate: async () => Promise.reject(new Error('libudev missing')), open: async () => Promise.reject(new Error('no')) };
    const { keys, capture } = await scanKeys(broken, fast);
    expect(keys).toEqual([]);
    expect(capture).toMatchObject({ state: 'error', reason: 'libudev missing' });
  });
});
