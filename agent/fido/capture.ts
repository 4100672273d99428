// The raw record of one HID scan: per device, what enumeration said and the exact bytes the device
// answered. A support bundle stores it; `check --from DIR` replays it through keysFromCapture, the
// same pure function the live scan uses, so a replayed report is identical to the live one.
import * as z from 'zod';

export const HID_CAPTURE_SCHEMA = 'keyready.hid-capture/1';

const Hex = z.string().regex(/^(?:[0-9a-f]{2})*$/, 'lowercase hex bytes');

export const DeviceCapture = z.object({
  vendorId: z.number().int().min(0).max(0xffff),
  productId: z.number().int().min(0).max(0xffff),
  product: z.string().nullable(),
  usagePage: z.number().int().nullable(),
  usage: z.number().int().nullable(),
  /** How far the scan got: "denied" = the OS refused to open it; "error" = any other failure. */
  access: z.enum(['ok', 'denied', 'error']),
  /** "CODE: message" of the failure that stopped the scan of this device. */
  error: z.string().nullable(),
  /** CTAPHID INIT reply payload (17 bytes). */
  init: Hex.nullable(),
  /** authenticatorGetInfo reply: status byte + CBOR. */
  getInfo: Hex.nullable(),
  /** getFingerprintSensorInfo reply, for keys with bio enrollment. */
  sensorInfo: Hex.nullable(),
  sensorError: z.string().nullable(),
});
export type DeviceCapture = z.infer<typeof DeviceCapture>;

export const HidCapture = z.object({
  schema: z.literal(HID_CAPTURE_SCHEMA),
  capturedAt: z.string(),
  /** Which backend produced it: "hidraw", "windows", "darwin", "udp", "virtual". */
  backend: z.string(),
  /** "error" when enumeration itself failed (node-hid missing, backend unavailable). */
  state: z.enum(['ok', 'error']),
  reason: z.string().nullable(),
  devices: z.array(DeviceCapture),
});
export type HidCapture = z.infer<typeof HidCapture>;
