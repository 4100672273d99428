// Reads the application protocols (ALPN, RFC 7301) a TLS client offers in its ClientHello, before any
// TLS work is done. The front process and the TLS gate use it to tell a browser (every browser offers
// `http/1.1` or `h2`) from an agent (Node's TLS client offers none): a dashboard opened during a
// reconnect storm must not wait behind 15,000 agents' handshakes. Only the first flight's bytes are read (RFC 8446 §4.1.2 and
// the record layer of §5.1); anything malformed is `invalid` and left for the TLS server to refuse.

import type { Socket } from 'node:net';
import { sortByFirstBytes } from './first-bytes.ts';

export type ClientHelloAlpn =
  | { kind: 'complete'; protocols: string[] }
  | { kind: 'incomplete' }
  | { kind: 'invalid' };

const RECORD_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const EXTENSION_ALPN = 16;
/** A ClientHello larger than this is not worth waiting for (post-quantum key shares make them ~2 KB). */
export const MAX_CLIENT_HELLO_BYTES = 16_384;

const INCOMPLETE = { kind: 'incomplete' } as const;
const INVALID = { kind: 'invalid' } as const;

/** A cursor over the handshake message; every read is bounds-checked and throws past the end. */
class Reader {
  #at = 0;
  constructor(private readonly bytes: Buffer) {}
  skip(n: number): void {
    if (this.#at + n > this.bytes.length) throw new RangeError('past the end');
    this.#at += n;
  }
  u8(): number {
    this.skip(1);
    return this.bytes[this.#at - 1]!;
  }
  u16(): number {
    this.skip(2);
    return this.bytes.readUInt16BE(this.#at - 2);
  }
  take(n: number): Buffer {
    this.skip(n);
    return this.bytes.subarray(this.#at - n, this.#at);
  }
  get left(): number {
    return this.bytes.length - this.#at;
  }
}

/** The handshake bytes carried by the leading handshake records of `data` (a ClientHello may span records). */
function handshakeBytes(data: Buffer): { bytes: Buffer; invalid: boolean } {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 5 <= data.length) {
    if (data[at] !== RECORD_HANDSHAKE) return { bytes: Buffer.concat(parts), invalid: parts.length === 0 };
    const length = data.readUInt16BE(at + 3);
    if (length === 0 || length > 16_384) return { bytes: Buffer.alloc(0), invalid: true };
    parts.push(data.subarray(at + 5, Math.min(data.length, at + 5 + length)));
    at += 5 + length;
  }
  return { bytes: Buffer.concat(parts), invalid: false };
}

export function readClientHelloAlpn(data: Buffer): ClientHelloAlpn {
  if (data.length > 0 && data[0] !== RECORD_HANDSHAKE) return INVALID;
  const { bytes, invalid } = handshakeBytes(data);
  if (invalid) return INVALID;
  if (bytes.length < 4) return data.length >= MAX_CLIENT_HELLO_BYTES ? INVALID : INCOMPLETE;
  if (bytes[0] !== HANDSHAKE_CLIENT_HELLO) return INVALID;
  const length = bytes.readUIntBE(1, 3);
  if (length > MAX_CLIENT_HELLO_BYTES) return INVALID;
  if (bytes.length < 4 + length) return INCOMPLETE;
  try {
    const hello = new Reader(bytes.subarray(4, 4 + length));
    hello.skip(2 + 32); // legacy_version, random
    hello.skip(hello.u8()); // legacy_session_id
    hello.skip(hello.u16()); // cipher_suites
    hello.skip(hello.u8()); // legacy_compression_methods
    if (hello.left === 0) return { kind: 'complete', protocols: [] }; // no extensions at all
    const extensions = new Reader(hello.take(hello.u16()));
    while (extensions.left > 0) {
      const type = extensions.u16();
      const body = extensions.take(extensions.u16());
      if (type !== EXTENSION_ALPN) continue;
      const list = new Reader(body);
      const names = new Reader(list.take(list.u16()));
      const protocols: string[] = [];
      while (names.left > 0) protocols.push(names.take(names.u8()).toString('latin1'));
      return { kind: 'complete', protocols };
    }
    return { kind: 'complete', protocols: [] };
  } catch {
    return INVALID;
  }
}

/** A browser, by what it offers: HTTP over TLS. Node's agents offer no application protocol. */
export function offersHttp(protocols: readonly string[]): boolean {
  return protocols.includes('http/1.1') || protocols.includes('h2');
}

/**
 * Reads a new connection (accepted paused) until its ClientHello is whole, too long to wait for, or
 * malformed, then calls `sorted` with the bytes read (to be put back for the TLS server) and whether
 * it is a browser's. Anything malformed counts as an agent's: the TLS server refuses it in its turn.
 */
export function sortByClientHello(socket: Socket, sorted: (received: Buffer, browser: boolean) => void): void {
  sortByFirstBytes(
    socket,
    (received) => {
      const hello = readClientHelloAlpn(received);
      if (hello.kind === 'incomplete' && received.length < MAX_CLIENT_HELLO_BYTES) return undefined;
      return hello.kind === 'complete' && offersHttp(hello.protocols);
    },
    sorted,
  );
}
