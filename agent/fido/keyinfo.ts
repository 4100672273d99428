// KeyInfo: turns one device's raw capture into the facts.keys entry the checks judge. Pure, so the
// live scan and a bundle replay produce identical facts from identical bytes.
import type { KeyFacts } from '../../protocol/report.ts';
import type { DeviceCapture, HidCapture } from './capture.ts';
import { fromHex } from './bytes.ts';
import { parseInitReply } from './ctaphid.ts';
import { parseGetInfo, parseSensorInfo, type GetInfo } from './ctap2.ts';
import { ATKEY_VENDOR_ID, modelForAaguid } from './catalogue.ts';
import { FidoError } from './errors.ts';

export function keysFromCapture(capture: HidCapture): KeyFacts[] {
  return capture.devices.map(keyFromDevice);
}

function unread(device: DeviceCapture, access: KeyFacts['access'], error: string | null): KeyFacts {
  return {
    vendorId: device.vendorId,
    productId: device.productId,
    product: device.product,
    aaguid: null,
    model: null,
    // The AAGUID could not be read: AuthenTrend's vendor id is the only hint left.
    isAtkey: device.vendorId === ATKEY_VENDOR_ID,
    versions: [],
    firmwareVersion: null,
    ctap2: null,
    pinSet: null,
    fingerprintEnrolled: null,
    uvConfigured: null,
    noMcGaPermissionsWithClientPin: null,
    sensor: null,
    access,
    error,
  };
}

export function keyFromDevice(device: DeviceCapture): KeyFacts {
  if (device.access !== 'ok' || device.init === null) {
    return unread(device, device.access === 'ok' ? 'error' : device.access, device.error);
  }
  try {
    const init = parseInitReply(fromHex(device.init));
    // A U2F-only key (no CBOR capability) is a valid answer, not a failure: it simply has no getInfo.
    if (!init.ctap2) return { ...unread(device, 'ok', null), ctap2: false };
    if (device.getInfo === null) return { ...unread(device, 'error', device.error), ctap2: true };
    const info = parseGetInfo(fromHex(device.getInfo));
    return fromGetInfo(device, info);
  } catch (error) {
    const text = error instanceof FidoError ? error.toString() : `INVALID_RESPONSE: ${String(error)}`;
    return unread(device, 'error', text);
  }
}

function fromGetInfo(device: DeviceCapture, info: GetInfo): KeyFacts {
  const model = modelForAaguid(info.aaguid);
  const option = (name: string): boolean | null => info.options[name] ?? null;
  return {
    vendorId: device.vendorId,
    productId: device.productId,
    product: device.product,
    aaguid: info.aaguid,
    model: model?.name ?? null,
    isAtkey: model !== null || device.vendorId === ATKEY_VENDOR_ID,
    versions: [...info.versions],
    firmwareVersion: info.firmwareVersion,
    ctap2: true,
    pinSet: option('clientPin'),
    // CTAP 2.1 bioEnroll, else the 2.1-PRE preview option, else built-in UV as the best evidence.
    fingerprintEnrolled: option('bioEnroll') ?? option('userVerificationMgmtPreview') ?? option('uv'),
    uvConfigured: option('uv'),
    // Absent means false (CTAP 2.1 §6.4): only keys that set it restrict the PIN.
    noMcGaPermissionsWithClientPin: option('noMcGaPermissionsWithClientPin') ?? false,
    sensor: sensorFrom(device),
    access: 'ok',
    error: null,
  };
}

function sensorFrom(device: DeviceCapture): KeyFacts['sensor'] {
  if (device.sensorInfo === null) return null;
  try {
    return parseSensorInfo(fromHex(device.sensorInfo));
  } catch {
    // The sensor details are extra; a bad answer to them does not make the key unreadable.
    return null;
  }
}
