// The virtual authenticator behind the HidBackend interface, in the same process: devices can be
// plugged and unplugged while a watcher polls, and every opened transport is tracked so tests can
// prove the scan closed each device. Access denial is simulated here because a Windows HID stack
// cannot exist on this Linux machine.
import type { HidBackend, HidDeviceInfo, HidTransport } from '../../agent/fido/transport/types.ts';
import { FIDO_USAGE, FIDO_USAGE_PAGE } from '../../agent/fido/transport/types.ts';
import { ReportQueue } from '../../agent/fido/transport/report-queue.ts';
import { VirtualAuthenticator, type AuthenticatorConfig } from './authenticator.ts';

export interface VirtualDevice {
  readonly info: HidDeviceInfo;
  readonly config: AuthenticatorConfig;
  /** Makes open() fail as Windows does without elevation, or with a generic I/O error. */
  readonly openFailure?: string;
}

let serial = 0;

/** A FIDO HID descriptor; AuthenTrend's VID/PID 0x31BB:0x0622 unless said otherwise. */
export function fidoDevice(overrides: Partial<HidDeviceInfo> = {}): HidDeviceInfo {
  serial++;
  return {
    path: `virtual:${serial}`,
    vendorId: 0x31bb,
    productId: 0x0622,
    product: 'ATKey.Pro',
    usagePage: FIDO_USAGE_PAGE,
    usage: FIDO_USAGE,
    ...overrides,
  };
}

export class VirtualHidBackend implements HidBackend {
  readonly name = 'virtual';
  private devices = new Map<string, VirtualDevice>();
  /** Authenticators created per open, most recent last. */
  readonly sessions: { path: string; authenticator: VirtualAuthenticator; closed: boolean }[] = [];
  enumerations = 0;

  constructor(devices: VirtualDevice[] = []) {
    for (const device of devices) this.plug(device);
  }

  plug(device: VirtualDevice): void {
    this.devices.set(device.info.path, device);
  }

  unplug(path: string): void {
    this.devices.delete(path);
  }

  get openSessions(): number {
    return this.sessions.filter((s) => !s.closed).length;
  }

  async enumerate(): Promise<HidDeviceInfo[]> {
    this.enumerations++;
    return [...this.devices.values()].map((d) => d.info);
  }

  async open(info: HidDeviceInfo): Promise<HidTransport> {
    const device = this.devices.get(info.path);
    if (!device) throw new Error(`device ${info.path} is gone`);
    if (device.openFailure) throw new Error(device.openFailure);
    return inProcessTransport(device.config, (authenticator) => {
      const session = { path: info.path, authenticator, closed: false };
      this.sessions.push(session);
      return () => {
        session.closed = true;
      };
    });
  }
}

/** A transport wired straight to a fresh VirtualAuthenticator. */
export function inProcessTransport(
  config: AuthenticatorConfig,
  track: (authenticator: VirtualAuthenticator) => () => void = () => () => {},
): HidTransport {
  const queue = new ReportQueue();
  const authenticator = new VirtualAuthenticator(config, (report) => queue.push(report));
  const untrack = track(authenticator);
  let closed = false;
  return {
    async write(report) {
      if (closed) throw new Error('write on a closed device');
      // Delivered at once, like a USB write that has completed; the answers wait in the read queue.
      authenticator.receive(new Uint8Array(report));
    },
    read: (timeoutMs) => queue.read(timeoutMs),
    async close() {
      if (closed) return;
      closed = true;
      queue.close();
      authenticator.stop();
      untrack();
    },
  };
}
