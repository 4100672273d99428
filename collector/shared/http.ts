// Small HTTP helpers shared by the agents' endpoint, the API, health, metrics and static handlers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { DASHBOARD_CSP } from '../../protocol/api.ts';

/** The headers every answer to a browser carries, from this process or the dashboard's front process. */
export function setDashboardHeaders(res: ServerResponse, tls: boolean): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('content-security-policy', `${DASHBOARD_CSP}; frame-ancestors 'none'`);
  // Browsers that met this collector over https never try plain http with it again (a year).
  if (tls) res.setHeader('strict-transport-security', 'max-age=31536000');
}

/**
 * The browser's address, as the front process (front/) tells it on requests it forwards. Believed
 * only on the collector's private socket for them: from anyone else it is a header like any other.
 */
export const CLIENT_ADDRESS_HEADER = 'x-keyready-client-address';
const forwarding = new WeakSet<Socket>();

/** Requests read from this socket come from the front process: their client address is its header. */
export function trustClientAddressHeader(socket: Socket): void {
  forwarding.add(socket);
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { error: error.message }, error.headers);
}

/**
 * Runs a request's handler and answers its failure: an HttpError as itself, anything else as a 500
 * once `unexpected` has reported it (a half-sent answer is cut instead).
 */
export async function answer(res: ServerResponse, handle: () => void | Promise<void>, unexpected: (error: unknown) => void): Promise<void> {
  try {
    await handle();
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
    } else if (error instanceof HttpError) {
      sendError(res, error);
    } else {
      unexpected(error);
      sendError(res, new HttpError(500, 'internal error; see the collector log'));
    }
  }
}

/** Reads a JSON body of at most `limit` bytes; anything else is a 4xx, never a crash. */
export async function readJson(req: IncomingMessage, limit = 16 * 1024): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'send the body as application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'malformed JSON body');
  }
}

/** Writes one chunk, waiting when the client reads slower than we produce (streamed exports). */
export async function write(res: ServerResponse, chunk: string): Promise<void> {
  if (!res.write(chunk)) {
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        res.off('drain', done);
        res.off('close', closed);
        resolve();
      };
      const closed = (): void => {
        res.off('drain', done);
        reject(new Error('client went away'));
      };
      res.once('drain', done);
      res.once('close', closed);
    });
  }
}

/** The peer address, without the IPv4-mapped prefix so one client has one key. */
export function remoteAddress(req: IncomingMessage): string {
  const forwarded = forwarding.has(req.socket) ? req.headers[CLIENT_ADDRESS_HEADER] : undefined;
  const address = (typeof forwarded === 'string' ? forwarded : req.socket.remoteAddress) ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** Answers a WebSocket upgrade with a plain HTTP error and closes the socket. */
export function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}
