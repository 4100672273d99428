import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { BROADCAST_CID, CTAPHID_CMD, CtaphidChannel, MAX_MESSAGE, MessageAssembler, encodeMessage } from '../../../../agent/fido/ctaphid.ts';
import { GET_INFO_REQUEST, parseGetInfo, sensorInfoRequest } from '../../../../agent/fido/ctap2.ts';
import { fromHex, toHex } from '../../../../agent/fido/bytes.ts';
import { scriptedTransport } from '../../../support/scripted-transport.ts';

const padded = (hex: string) => {
  const report = new Uint8Array(64);
  report.set(fromHex(hex));
  return report;
};

describe('CTAPHID against recorded exchanges', () => {
  it('reproduces the INIT and getInfo request bytes of reference/fido.md §2 and reads its INIT reply', async () => {
    const nonce = fromHex('0011223344556677');
    const transport = scriptedTransport((report) =>
      report[4] === 0x86 ? [padded('ffffffff860011' + '0011223344556677' + '03000000' + '02011531' + '05')] : [],
    );
    const channel = await CtaphidChannel.open(transport, { nonce, timeoutMs: 50 });
    expect(toHex(transport.writes[0]!)).toBe(toHex(padded('ffffffff860008' + '0011223344556677')));
    expect(channel.info).toEqual({ cid: 0x03000000, protocolVersion: 2, deviceVersion: [1, 21, 49], capabilities: 0x05, ctap2: true });

    // This script never answers getInfo: the request must time out and then be cancelled on the key.
    await expect(channel.call(CTAPHID_CMD.CBOR, GET_INFO_REQUEST)).rejects.toThrow(expect.objectContaining({ code: 'TIMEOUT' }));
    expect(toHex(transport.writes[1]!)).toBe(toHex(padded('03000000900001' + '04')));
    expect(toHex(transport.writes[2]!)).toBe(toHex(padded('03000000910000')));
  });

  it('decodes the recorded four-packet getInfo reply of libfido2 byte for byte', async () => {
    const vector = JSON.parse(readFileSync(new URL('../../../fixtures/fido/libfido2-wiredata.json', import.meta.url), 'utf8')) as {
      initNonce: string;
      initReply: string[];
      getInfoReply: string[];
    };
    const transport = scriptedTransport((report) =>
      (report[4] === 0x86 ? vector.initReply : vector.getInfoReply).map(fromHex),
    );
    const channel = await CtaphidChannel.open(transport, { nonce: fromHex(vector.initNonce) });
    expect(channel.info.cid).toBe(0x00220002);
    expect(channel.info.deviceVersion).toEqual([5, 2, 1]);
    const reply = await channel.call(CTAPHID_CMD.CBOR, GET_INFO_REQUEST);
    expect(reply.length).toBe(0xb9);
    expect(toHex(transport.writes[1]!)).toBe(toHex(padded('00220002900001' + '04')));
    const info = parseGetInfo(reply);
    expect(info).toMatchObject({
      versions: ['U2F_V2', 'FIDO_2_0', 'FIDO_2_1_PRE'],
      extensions: ['credProtect', 'hmac-secret'],
      aaguid: '1956e5bd-a374-45f1-a814-356403fdbc18',
      options: { rk: true, up: true, plat: false, clientPin: false, credentialMgmtPreview: true },
      maxMsgSize: 1200,
      pinUvAuthProtocols: [1],
      maxCredentialCountInList: 8,
      maxCredentialIdLength: 128,
      algorithms: [
        { type: 'public-key', alg: -7 },
        { type: 'public-key', alg: -8 },
      ],
      firmwareVersion: null,
    });
  });

  it('encodes getFingerprintSensorInfo as {1: fingerprint, 2: getFingerprintSensorInfo}', () => {
    expect(toHex(sensorInfoRequest(0x09))).toBe('09a201010207');
    expect(toHex(sensorInfoRequest(0x40))).toBe('40a201010207');
  });
});

describe('CTAPHID framing', () => {
  it.each([0, 1, 57, 58, 116, 117, 1000, MAX_MESSAGE])('splits and reassembles a %i-byte message', (size) => {
    const payload = Uint8Array.from({ length: size }, (_, i) => (i * 7 + 3) & 0xff);
    const packets = encodeMessage(0x01020304, CTAPHID_CMD.CBOR, payload);
    expect(packets.length).toBe(size <= 57 ? 1 : 1 + Math.ceil((size - 57) / 59));
    expect(packets.every((p) => p.length === 64)).toBe(true);
    const assembler = new MessageAssembler(0x01020304);
    const events = packets.map((p) => assembler.push(p));
    const last = events.at(-1);
    expect(last?.kind).toBe('message');
    if (last?.kind === 'message') expect(toHex(last.payload)).toBe(toHex(payload));
  });

  it('refuses to build a message beyond 7609 bytes', () => {
    expect(() => encodeMessage(1, CTAPHID_CMD.CBOR, new Uint8Array(MAX_MESSAGE + 1))).toThrow(/exceeds/);
  });

  it('skips keepalives, other channels and stray continuations; names bad lengths and sequences', () => {
    const assembler = new MessageAssembler(0x0a0b0c0d);
    expect(assembler.push(padded('0a0b0c0dbb000101'))).toEqual({ kind: 'keepalive', status: 1 });
    expect(assembler.push(padded('ffffffff860011'))).toMatchObject({ kind: 'ignored', reason: 'other-channel' });
    expect(assembler.push(padded('0a0b0c0d00'))).toMatchObject({ kind: 'ignored', reason: 'stray-continuation' });
    expect(() => assembler.push(padded('0a0b0c0d90ffff'))).toThrow(expect.objectContaining({ code: 'BAD_LENGTH' }));
    expect(assembler.push(padded('0a0b0c0d900050'))).toMatchObject({ kind: 'partial', received: 57, expected: 80 });
    expect(() => assembler.push(padded('0a0b0c0d01'))).toThrow(expect.objectContaining({ code: 'BAD_SEQUENCE' }));
    expect(BROADCAST_CID).toBe(0xffffffff);
  });
});
