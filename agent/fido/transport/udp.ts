// CTAPHID over UDP (DESIGN.md `--hid-udp HOST:PORT`, the SoloKeys solo1 PC-emulator convention): each
// datagram is one raw 64-byte report, sent to HOST:PORT; answers arrive on a local port, 7112 by
// default. The target counts as one FIDO device, so independent authenticators can be tested.
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { FidoError } from '../errors.ts';
import { ReportQueue } from './report-queue.ts';
import { FIDO_USAGE, FIDO_USAGE_PAGE, REPORT_SIZE, toReport, type HidBackend, type HidTransport } from './types.ts';

export const DEFAULT_UDP_LOCAL_PORT = 7112;

export interface UdpTarget {
  readonly host: string;
  readonly port: number;
}

/** Parses "HOST:PORT" or "[IPv6]:PORT"; throws an Error that says what is wrong. */
export function parseUdpTarget(text: string): UdpTarget {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!match || !host || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`--hid-udp expects HOST:PORT (for example 127.0.0.1:8111), got "${text}"`);
  }
  return { host, port };
}

export function udpBackend(target: UdpTarget, localPort: number = DEFAULT_UDP_LOCAL_PORT): HidBackend {
  const label = `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
  return {
    name: 'udp',
    async enumerate() {
      return [
        {
          path: `udp:${label}`,
          vendorId: 0,
          productId: 0,
          product: `CTAPHID over UDP ${label}`,
          usagePage: FIDO_USAGE_PAGE,
          usage: FIDO_USAGE,
        },
      ];
    },
    open: () => openUdp(target, localPort),
  };
}

async function openUdp(target: UdpTarget, localPort: number): Promise<HidTransport> {
  const socket = createSocket(isIP(target.host) === 6 ? 'udp6' : 'udp4');
  const queue = new ReportQueue();
  socket.on('message', (message, sender) => {
    if (sender.port === target.port && message.length > 0) queue.push(toReport(new Uint8Array(message)));
  });
  await bind(socket, localPort);
  let closed = false;
  return {
    write(report) {
      return new Promise<void>((resolve, reject) => {
        socket.send(report.subarray(0, REPORT_SIZE), target.port, target.host, (error) =>
          error ? reject(new FidoError('TRANSPORT', `UDP send to ${target.host}:${target.port} failed: ${error.message}`)) : resolve(),
        );
      });
    },
    read: (timeoutMs) => queue.read(timeoutMs),
    async close() {
      if (closed) return;
      closed = true;
      queue.close();
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

function bind(socket: Socket, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      socket.close();
      reject(new FidoError('TRANSPORT', `cannot receive CTAPHID replies on local UDP port ${port}: ${error.message}`));
    };
    socket.once('error', onError);
    socket.bind(port, () => {
      socket.off('error', onError);
      // Later socket errors surface as failed sends or timeouts, never as an uncaught exception.
      socket.on('error', () => {});
      resolve();
    });
  });
}
