// The front process's way to the collector: every request that is not one of the dashboard's files
// (the API, /healthz, /metrics) and every WebSocket upgrade (/api/live) goes to the collector's
// private socket, with the browser's address in CLIENT_ADDRESS_HEADER (the collector believes that
// header only there: shared/http.ts). The collector answers as it would have on its own port.
import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { CLIENT_ADDRESS_HEADER, remoteAddress } from '../shared/http.ts';

/** Paths the collector answers; everything else is a dashboard file (or its index.html). */
export function forwarded(path: string): boolean {
  return path === '/api' || path.startsWith('/api/') || path === '/healthz' || path === '/metrics';
}

export class Forwarder {
  /** Kept-alive connections to the collector: a request does not pay a connect. */
  readonly #agent: Agent;

  constructor(private readonly socketPath: string) {
    this.#agent = new Agent({ keepAlive: true, maxFreeSockets: 16 });
  }

  request(req: IncomingMessage, res: ServerResponse): void {
    const headers = { ...req.headers, [CLIENT_ADDRESS_HEADER]: remoteAddress(req) };
    const upstream = request({ socketPath: this.socketPath, agent: this.#agent, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', () => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end('the collector did not answer\n');
    });
    // A browser that went away stops the collector's work on its answer (a long export, say).
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  /** Replays the upgrade request to the collector, then carries bytes both ways until either side ends. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const upstream = connect(this.socketPath);
    const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i]!.toLowerCase() !== CLIENT_ADDRESS_HEADER) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    }
    lines.push(`${CLIENT_ADDRESS_HEADER}: ${remoteAddress(req)}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    const end = (): void => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    socket.pipe(upstream).pipe(socket);
  }

  close(): void {
    this.#agent.destroy();
  }
}
