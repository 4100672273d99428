// A local webhook receiver for the alert tests (no Teams or Slack here): records every POST's path and
// JSON body; answers `failNext(n)` 503s before it accepts again.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookReceiver<Body> {
  /** http://127.0.0.1:PORT, without a path. */
  url: string;
  received: { path: string; body: Body }[];
  failNext(n: number): void;
  server: Server;
}

/** `status`: what an accepted delivery is answered with (the dashboard shows it). */
export async function webhookReceiver<Body = Record<string, unknown>>(status = 200): Promise<WebhookReceiver<Body>> {
  const received: { path: string; body: Body }[] = [];
  let failures = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failures > 0) {
        failures -= 1;
        res.writeHead(503).end('busy');
        return;
      }
      received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, failNext: (n) => void (failures = n), server };
}
