// The virtual authenticator over UDP, so the real CLI (a child process) can be tested end to end with
// `--hid-udp 127.0.0.1:PORT`. Replies go back to the sender's address and port, which is the agent's
// receive port (7112 by default, configurable in tests).
import { createSocket } from 'node:dgram';
import { VirtualAuthenticator, type AuthenticatorConfig } from './authenticator.ts';

export interface UdpAuthenticator {
  readonly port: number;
  readonly authenticator: VirtualAuthenticator;
  close(): Promise<void>;
}

export async function startUdpAuthenticator(config: AuthenticatorConfig, port = 0): Promise<UdpAuthenticator> {
  const socket = createSocket('udp4');
  let peer: { address: string; port: number } | null = null;
  const authenticator = new VirtualAuthenticator(config, (report) => {
    if (peer) socket.send(report, peer.port, peer.address);
  });
  socket.on('message', (message, sender) => {
    peer = { address: sender.address, port: sender.port };
    authenticator.receive(new Uint8Array(message));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve());
  });
  return {
    port: socket.address().port,
    authenticator,
    close: () =>
      new Promise<void>((resolve) => {
        authenticator.stop();
        socket.close(() => resolve());
      }),
  };
}
