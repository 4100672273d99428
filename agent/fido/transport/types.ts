// The one seam between CTAPHID and the outside world: USB HID via node-hid, UDP for independent
// authenticators, and the in-process virtual authenticator in tests all implement these two interfaces.

/** HID reports are 64 bytes on every FIDO key; the report id byte is a node-hid detail, not part of it. */
export const REPORT_SIZE = 64;

export const FIDO_USAGE_PAGE = 0xf1d0;
export const FIDO_USAGE = 0x01;

export interface HidDeviceInfo {
  /** Backend-specific handle to open the device with (a hidraw path, a Windows device path, udp:HOST:PORT). */
  readonly path: string;
  readonly vendorId: number;
  readonly productId: number;
  readonly product: string | null;
  /** null when the backend does not report usages (then the vendor id is the only hint). */
  readonly usagePage: number | null;
  readonly usage: number | null;
}

export interface HidTransport {
  /** Sends one 64-byte report. */
  write(report: Uint8Array): Promise<void>;
  /** Resolves with the next 64-byte report, or null when none arrives within timeoutMs. */
  read(timeoutMs: number): Promise<Uint8Array | null>;
  /** Releases the device; safe to call twice. */
  close(): Promise<void>;
}

export interface HidBackend {
  /** A short name for captures and logs: "hidraw", "windows", "udp", "virtual". */
  readonly name: string;
  enumerate(): Promise<HidDeviceInfo[]>;
  open(device: HidDeviceInfo): Promise<HidTransport>;
}

/** Pads or trims a report to exactly 64 bytes (some platforms hand back shorter reads). */
export function toReport(data: Uint8Array): Uint8Array {
  if (data.length === REPORT_SIZE) return data;
  const report = new Uint8Array(REPORT_SIZE);
  report.set(data.subarray(0, REPORT_SIZE));
  return report;
}
