// The HID scan: enumerate, pick the FIDO interfaces, and for each ask only getInfo-class questions
// (INIT, getInfo, getFingerprintSensorInfo) — never anything that needs a PIN or a touch. It records
// the raw answers (the capture) and derives facts.keys from them with the same pure keysFromCapture a
// bundle replay uses.
import type { KeyFacts } from '../../protocol/report.ts';
import { HID_CAPTURE_SCHEMA, type DeviceCapture, type HidCapture } from './capture.ts';
import { keysFromCapture } from './keyinfo.ts';
import { toHex } from './bytes.ts';
import { CTAPHID_CMD, CtaphidChannel, type ChannelOptions } from './ctaphid.ts';
import { GET_INFO_REQUEST, parseGetInfo, sensorCommandFor, sensorInfoRequest } from './ctap2.ts';
import { ATKEY_VENDOR_ID } from './catalogue.ts';
import { asFidoError, FidoError } from './errors.ts';
import { FIDO_USAGE, FIDO_USAGE_PAGE, type HidBackend, type HidDeviceInfo } from './transport/types.ts';
import { errorText } from '../../protocol/error-text.ts';

export interface ScanOptions {
  readonly channel?: ChannelOptions;
  /** Decides how an open failure reads; defaults to this process's platform. */
  readonly platform?: NodeJS.Platform;
}

export interface ScanResult {
  readonly keys: KeyFacts[];
  readonly capture: HidCapture;
}

/** FIDO interfaces by usage page 0xF1D0 / usage 1; where the backend reports no usage, by vendor id. */
export function isFidoDevice(device: HidDeviceInfo): boolean {
  if (device.usagePage === null) return device.vendorId === ATKEY_VENDOR_ID;
  return device.usagePage === FIDO_USAGE_PAGE && device.usage === FIDO_USAGE;
}

export async function scanKeys(backend: HidBackend, options: ScanOptions = {}): Promise<ScanResult> {
  const capture = await captureKeys(backend, options);
  return { keys: keysFromCapture(capture), capture };
}

export async function captureKeys(backend: HidBackend, options: ScanOptions = {}): Promise<HidCapture> {
  const capturedAt = new Date().toISOString();
  let devices: HidDeviceInfo[];
  try {
    devices = (await backend.enumerate()).filter(isFidoDevice);
  } catch (error) {
    const reason = errorText(error);
    return { schema: HID_CAPTURE_SCHEMA, capturedAt, backend: backend.name, state: 'error', reason, devices: [] };
  }
  const captured = await Promise.all(devices.map((device) => captureDevice(backend, device, options)));
  return { schema: HID_CAPTURE_SCHEMA, capturedAt, backend: backend.name, state: 'ok', reason: null, devices: captured };
}

/**
 * Windows 10 1903+ refuses FIDO HID collections to non-elevated processes, and hidapi's message does
 * not always say so; elsewhere the OS says "permission denied" (a missing udev rule).
 */
export function classifyOpenError(message: string, platform: NodeJS.Platform): FidoError {
  if (platform === 'win32' || /access.*denied|permission denied|EACCES|EPERM/i.test(message)) {
    return new FidoError('ACCESS_DENIED', message);
  }
  return new FidoError('TRANSPORT', message);
}

export async function captureDevice(
  backend: HidBackend,
  device: HidDeviceInfo,
  options: ScanOptions = {},
): Promise<DeviceCapture> {
  const record: DeviceCapture = {
    vendorId: device.vendorId,
    productId: device.productId,
    product: device.product,
    usagePage: device.usagePage,
    usage: device.usage,
    access: 'ok',
    error: null,
    init: null,
    getInfo: null,
    sensorInfo: null,
    sensorError: null,
  };
  let transport;
  try {
    transport = await backend.open(device);
  } catch (error) {
    const failure = classifyOpenError(errorText(error), options.platform ?? process.platform);
    return { ...record, access: failure.code === 'ACCESS_DENIED' ? 'denied' : 'error', error: failure.toString() };
  }
  try {
    const channel = await CtaphidChannel.open(transport, options.channel);
    record.init = toHex(channel.initReply);
    if (!channel.info.ctap2) return record;
    const getInfo = await channel.call(CTAPHID_CMD.CBOR, GET_INFO_REQUEST);
    record.getInfo = toHex(getInfo);
    const sensorCommand = sensorCommandFor(parseGetInfo(getInfo));
    if (sensorCommand !== null) {
      try {
        record.sensorInfo = toHex(await channel.call(CTAPHID_CMD.CBOR, sensorInfoRequest(sensorCommand)));
      } catch (error) {
        record.sensorError = asFidoError(error).toString();
      }
    }
    return record;
  } catch (error) {
    // getInfo bytes that do not parse stay in the capture: keysFromCapture reports them the same way.
    if (record.getInfo !== null) return record;
    return { ...record, access: 'error', error: asFidoError(error).toString() };
  } finally {
    await transport.close().catch(() => {});
  }
}
