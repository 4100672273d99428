// Reads the request line (RFC 9112 §3) a plain-HTTP client sends first, before any HTTP work is done.
// Without TLS the front process uses it to tell an agent from a browser, as client-hello.ts does over
// TLS: an agent's connection always opens with the WebSocket upgrade of /agent
// (agent/link/client.ts), and the dashboard's reads must not wait behind agents' reports. Only the
// first line is read; what it does not settle is the HTTP server's to answer.
import type { Socket } from 'node:net';
import { sortByFirstBytes } from './first-bytes.ts';

export type RequestLine = { kind: 'complete'; method: string; target: string } | { kind: 'incomplete' } | { kind: 'invalid' };

/** Far longer than any request of the collector's; Node refuses a head over 16 KB whatever this says. */
export const MAX_REQUEST_LINE_BYTES = 8_192;

/** method SP request-target SP HTTP-version; the method is a token (RFC 9110 §5.6.2). */
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([\x21-\x7e]+) HTTP\/\d\.\d$/;

export function readRequestLine(data: Buffer): RequestLine {
  const end = data.indexOf(0x0a);
  if (end < 0) return data.length >= MAX_REQUEST_LINE_BYTES ? { kind: 'invalid' } : { kind: 'incomplete' };
  const match = REQUEST_LINE.exec(data.toString('latin1', 0, end > 0 && data[end - 1] === 0x0d ? end - 1 : end));
  return match ? { kind: 'complete', method: match[1]!, target: match[2]! } : { kind: 'invalid' };
}

/** The agents' endpoint, read as the collector reads a request's path (app.ts, onUpgrade). */
export function isAgentRequest(line: RequestLine): boolean {
  if (line.kind !== 'complete' || line.method !== 'GET') return false;
  try {
    return new URL(line.target, 'http://collector').pathname === '/agent';
  } catch {
    return false;
  }
}

/**
 * Reads a new connection (accepted paused) until its request line is whole, too long to wait for, or
 * malformed, then calls `sorted` with the bytes read (to be put back for the HTTP server) and whether
 * it is a browser's: anything but an agent's upgrade, malformed included, which the front's HTTP
 * server refuses without the collector.
 */
export function sortByRequestLine(socket: Socket, sorted: (received: Buffer, browser: boolean) => void): void {
  sortByFirstBytes(
    socket,
    (received) => {
      const line = readRequestLine(received);
      return line.kind === 'incomplete' ? undefined : !isAgentRequest(line);
    },
    sorted,
  );
}
