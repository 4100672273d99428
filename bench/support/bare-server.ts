// The bare ceiling the collector is measured against: a plain `ws` server on the same subprotocol
// that JSON.parses every frame and answers at once — enroll with an id, hello with a welcome, a
// report with its ack — with no validation and no storage. One process, like one collector.
// Usage: node --import tsx bench/support/bare-server.ts [--tls-cert FILE --tls-key FILE]; prints
// `listening PORT` once it accepts connections.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';
import { MAX_MESSAGE_BYTES, SUBPROTOCOL } from '../../protocol/messages.ts';

const { values } = parseArgs({ options: { 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' } } });
const server =
  values['tls-cert'] && values['tls-key']
    ? createHttpsServer({ cert: readFileSync(values['tls-cert']), key: readFileSync(values['tls-key']), minVersion: 'TLSv1.2' })
    : createHttpServer();
const sockets = new WebSocketServer({
  server,
  path: '/agent',
  maxPayload: MAX_MESSAGE_BYTES,
  perMessageDeflate: false,
  handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
});
let enrolled = 0;
sockets.on('connection', (ws) => {
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString('utf8')) as { type: string; seq?: number; deviceId?: string };
    if (message.type === 'report') ws.send(`{"type":"ack","seq":${message.seq}}`);
    else if (message.type === 'hello') ws.send(JSON.stringify({ type: 'welcome', deviceId: message.deviceId, lastSeq: -1, resendIntervalMs: 3_600_000 }));
    else if (message.type === 'enroll') ws.send(JSON.stringify({ type: 'enrolled', deviceId: `bare-${(enrolled += 1)}`, token: 'bare' }));
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => process.exit(0));
