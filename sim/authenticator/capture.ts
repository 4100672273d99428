// The raw HID capture a scan of virtual authenticators yields, built synchronously from their
// message-level answers (the same bytes the CTAPHID exchange carries), so fixtures such as the replay
// bundles hold real getInfo bytes. test/unit/agent/fido/virtual-capture.test.ts proves it equals a real scan.
import { HID_CAPTURE_SCHEMA, type DeviceCapture, type HidCapture } from '../../agent/fido/capture.ts';
import { toHex } from '../../agent/fido/bytes.ts';
import { parseInitReply } from '../../agent/fido/ctaphid.ts';
import { GET_INFO_REQUEST, parseGetInfo, sensorCommandFor, sensorInfoRequest } from '../../agent/fido/ctap2.ts';
import type { HidDeviceInfo } from '../../agent/fido/transport/types.ts';
import { VirtualAuthenticator, type AuthenticatorConfig } from './authenticator.ts';
import { fidoDevice } from './in-process.ts';

const NONCE = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);

export function deviceCaptureOf(config: AuthenticatorConfig, info: HidDeviceInfo = fidoDevice()): DeviceCapture {
  const authenticator = new VirtualAuthenticator(config, () => {});
  const init = authenticator.initAnswer(0xffffffff, NONCE);
  const record: DeviceCapture = {
    vendorId: info.vendorId,
    productId: info.productId,
    product: info.product,
    usagePage: info.usagePage,
    usage: info.usage,
    access: 'ok',
    error: null,
    init: toHex(init),
    getInfo: null,
    sensorInfo: null,
    sensorError: null,
  };
  if (!parseInitReply(init).ctap2) return record;
  const getInfo = authenticator.answerCbor(GET_INFO_REQUEST);
  const command = sensorCommandFor(parseGetInfo(getInfo));
  return {
    ...record,
    getInfo: toHex(getInfo),
    sensorInfo: command === null ? null : toHex(authenticator.answerCbor(sensorInfoRequest(command))),
  };
}

export function hidCaptureOf(devices: readonly { config: AuthenticatorConfig; info?: HidDeviceInfo }[]): HidCapture {
  return {
    schema: HID_CAPTURE_SCHEMA,
    capturedAt: '2026-11-25T09:00:00.000Z',
    backend: 'windows',
    state: 'ok',
    reason: null,
    devices: devices.map((device) => deviceCaptureOf(device.config, device.info)),
  };
}
