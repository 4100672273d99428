// Virtual authenticators over UDP for the tests of one file: each started one is closed after its test.
import { afterEach } from 'vitest';
import { startUdpAuthenticator, type UdpAuthenticator } from '../../sim/authenticator/udp.ts';

export function useUdpAuthenticators(): (...args: Parameters<typeof startUdpAuthenticator>) => Promise<UdpAuthenticator> {
  const started: UdpAuthenticator[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.close()));
  });
  return async (...args) => {
    const server = await startUdpAuthenticator(...args);
    started.push(server);
    return server;
  };
}
