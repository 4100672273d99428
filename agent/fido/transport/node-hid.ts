// USB HID through node-hid (hidapi). Loaded lazily so a machine where the native binding cannot load
// reports "HID unavailable" instead of crashing the agent. On Linux the hidraw build is selected
// before first use: node-hid's default libusb build needs libusb-1.0 and reports no usage pages.
import { FidoError } from '../errors.ts';
import { REPORT_SIZE, toReport, type HidBackend, type HidDeviceInfo, type HidTransport } from './types.ts';

type NodeHid = typeof import('node-hid');
type HIDAsync = import('node-hid').HIDAsync;
let loading: Promise<NodeHid> | null = null;

export function loadNodeHid(): Promise<NodeHid> {
  loading ??= import('node-hid').then((mod) => {
    const hid: NodeHid = (mod as NodeHid & { default?: NodeHid }).default ?? mod;
    if (process.platform === 'linux') hid.setDriverType('hidraw');
    return hid;
  });
  return loading;
}

/** Some backends report usage 0/0 when they do not know it; treat that as "not reported". */
function usageOf(device: { usagePage?: number | undefined; usage?: number | undefined }) {
  const known = device.usagePage !== undefined && !(device.usagePage === 0 && !device.usage);
  return { usagePage: known ? (device.usagePage ?? null) : null, usage: known ? (device.usage ?? null) : null };
}

export function nodeHidBackend(): HidBackend {
  return {
    name: process.platform === 'linux' ? 'hidraw' : process.platform === 'win32' ? 'windows' : process.platform,
    async enumerate() {
      const hid = await loadNodeHid();
      const devices = await hid.devicesAsync();
      return devices.flatMap((device): HidDeviceInfo[] =>
        device.path
          ? [
              {
                path: device.path,
                vendorId: device.vendorId,
                productId: device.productId,
                product: device.product ?? null,
                ...usageOf(device),
              },
            ]
          : [],
      );
    },
    async open(device) {
      const hid = await loadNodeHid();
      const handle = await hid.HIDAsync.open(device.path);
      return nodeHidTransport(handle);
    },
  };
}

function nodeHidTransport(handle: HIDAsync): HidTransport {
  let closed = false;
  return {
    async write(report) {
      // hidapi wants the report id first: 0x00 for devices without numbered reports, so 65 bytes.
      const out = Buffer.alloc(REPORT_SIZE + 1);
      out.set(report.subarray(0, REPORT_SIZE), 1);
      const written = await handle.write(out);
      if (written < 0) throw new FidoError('TRANSPORT', 'HID write failed');
    },
    async read(timeoutMs) {
      const data = await handle.read(Math.max(1, Math.ceil(timeoutMs)));
      return data && data.length > 0 ? toReport(new Uint8Array(data)) : null;
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}
