// The synchronous capture builder used for fixtures must match what a real CTAPHID scan captures.
import { describe, expect, it } from 'vitest';
import { scanKeys } from '../../../../agent/fido/scanner.ts';
import { keysFromCapture } from '../../../../agent/fido/keyinfo.ts';
import { VirtualHidBackend, fidoDevice } from '../../../../sim/authenticator/in-process.ts';
import { hidCaptureOf } from '../../../../sim/authenticator/capture.ts';
import { ATKEY_MODEL_PROFILES, PREVIEW_BIO_KEY, ATKEY_SENSOR, U2F_ONLY, atkeyConfig } from '../../../../sim/authenticator/profiles.ts';

describe('hidCaptureOf', () => {
  it('holds the same getInfo and sensor bytes and facts as a real scan', async () => {
    const devices = [
      { config: atkeyConfig(ATKEY_MODEL_PROFILES[0]!, 'both'), info: fidoDevice() },
      { config: { getInfo: PREVIEW_BIO_KEY, sensor: ATKEY_SENSOR }, info: fidoDevice({ vendorId: 0x1234 }) },
      { config: U2F_ONLY, info: fidoDevice({ vendorId: 0x1050 }) },
    ];
    const built = hidCaptureOf(devices);
    const scanned = await scanKeys(new VirtualHidBackend(devices));
    expect(built.devices.map((d) => [d.getInfo, d.sensorInfo])).toEqual(scanned.capture.devices.map((d) => [d.getInfo, d.sensorInfo]));
    expect(keysFromCapture(built)).toEqual(scanned.keys);
  });
});
