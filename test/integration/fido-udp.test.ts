// CTAPHID over real UDP sockets on loopback: the agent's UDP transport against the virtual
// authenticator's UDP server, receive port chosen free (0) so parallel suites do not collide.
import { describe, expect, it } from 'vitest';
import { scanKeys } from '../../agent/fido/scanner.ts';
import { parseUdpTarget, udpBackend } from '../../agent/fido/transport/udp.ts';
import { useUdpAuthenticators } from '../support/udp-authenticator.ts';
import { ATKEY_MODEL_PROFILES, atkeyConfig } from '../../sim/authenticator/profiles.ts';

const startKey = useUdpAuthenticators();

describe('CTAPHID over UDP', () => {
  it('reads an ATKey.ProS with both PIN and fingerprint', async () => {
    const server = await startKey(atkeyConfig(ATKEY_MODEL_PROFILES[2]!, 'both'));
    const { keys, capture } = await scanKeys(udpBackend({ host: '127.0.0.1', port: server.port }, 0));
    expect(capture.backend).toBe('udp');
    expect(keys).toEqual([
      expect.objectContaining({ model: 'ATKey.ProS', pinSet: true, fingerprintEnrolled: true, access: 'ok', product: `CTAPHID over UDP 127.0.0.1:${server.port}` }),
    ]);
    expect(server.authenticator.requests.map((r) => r.cmd)).toEqual([0x06, 0x10, 0x10]);
  });

  it('times out cleanly when nothing listens at the target', async () => {
    const { keys } = await scanKeys(udpBackend({ host: '127.0.0.1', port: 9 }, 0), { channel: { timeoutMs: 150 } });
    expect(keys[0]).toMatchObject({ access: 'error', error: expect.stringMatching(/^TIMEOUT: /) });
  });

  it('reports a busy receive port as a transport error', async () => {
    const server = await startKey(atkeyConfig(ATKEY_MODEL_PROFILES[0]!, 'nothing'));
    // The authenticator's own port is taken: binding the agent's receive socket there must fail cleanly.
    const { keys } = await scanKeys(udpBackend({ host: '127.0.0.1', port: server.port }, server.port));
    expect(keys[0]).toMatchObject({ access: 'error', error: expect.stringMatching(/^TRANSPORT: cannot receive CTAPHID replies on local UDP port/) });
  });

  it('parses HOST:PORT targets', () => {
    expect(parseUdpTarget('127.0.0.1:8111')).toEqual({ host: '127.0.0.1', port: 8111 });
    expect(parseUdpTarget('[::1]:8111')).toEqual({ host: '::1', port: 8111 });
    expect(() => parseUdpTarget('127.0.0.1:0')).toThrow(/HOST:PORT/);
    expect(() => parseUdpTarget('127.0.0.1')).toThrow(/HOST:PORT/);
  });
});
