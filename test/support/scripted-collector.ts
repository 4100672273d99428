// A WebSocket server speaking keyready.v1 whose answers each test scripts: it lets the link tests
// produce on demand what a real collector only does in rare moments (lost acks, error messages with
// retry hints, garbage, a rejected token). The real collector is exercised by test/e2e/.
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import { AgentMessage, SUBPROTOCOL, type ReportMessage } from '../../protocol/messages.ts';
import { until, WAIT_MS } from './eventually.ts';

export interface Session {
  readonly ws: WebSocket;
  readonly messages: AgentMessage[];
  readonly openedAt: number;
  /** Over TLS: whether the agent resumed an earlier TLS session (null over plain ws). */
  readonly tlsResumed: boolean | null;
  closeCode: number | null;
}

export interface Script {
  /** Answers one message; the default enrolls `good-secret`, welcomes `tok-1` and acks every report. */
  onMessage(collector: ScriptedCollector, session: Session, message: AgentMessage): void;
}

export const GOOD_SECRET = 'good-secret-0123456789';
export const DEVICE_TOKEN = 'tok-1-7a0c5e9f3b';

export const defaultScript: Script = {
  onMessage(collector, session, message) {
    switch (message.type) {
      case 'enroll':
        if (message.secret === GOOD_SECRET) session.ws.send(JSON.stringify({ type: 'enrolled', deviceId: 'dev-1', token: DEVICE_TOKEN }));
        else session.ws.close(4003, 'enroll denied');
        break;
      case 'hello':
        if (message.token !== DEVICE_TOKEN) {
          session.ws.send(JSON.stringify({ type: 'error', code: 'unauthorized', message: 'bad token' }));
          session.ws.close(4001, 'unauthorized');
        } else {
          session.ws.send(JSON.stringify({ type: 'welcome', deviceId: message.deviceId, lastSeq: collector.lastSeq, resendIntervalMs: 3_600_000 }));
        }
        break;
      case 'report':
        collector.store(message);
        session.ws.send(JSON.stringify({ type: 'ack', seq: message.seq }));
        break;
    }
  },
};

export class ScriptedCollector {
  readonly sessions: Session[] = [];
  readonly reports: ReportMessage[] = [];
  lastSeq = -1;

  private constructor(
    private readonly wss: WebSocketServer,
    readonly url: string,
    public script: Script,
    private readonly closeServer: () => Promise<void>,
  ) {
    wss.on('connection', (ws, req) => {
      const tlsResumed = req.socket instanceof TLSSocket ? req.socket.isSessionReused() : null;
      const session: Session = { ws, messages: [], openedAt: Date.now(), tlsResumed, closeCode: null };
      this.sessions.push(session);
      ws.on('message', (data) => {
        const message = AgentMessage.parse(JSON.parse(data.toString()));
        session.messages.push(message);
        this.script.onMessage(this, session, message);
      });
      ws.on('close', (code) => {
        session.closeCode = code;
      });
    });
  }

  /** `frozenSessions`: that many first sessions never answer a ping, as a collector stopped (SIGSTOP) would not. */
  static async start(options: { script?: Script; tls?: { cert: string; key: string }; port?: number; frozenSessions?: number } = {}): Promise<ScriptedCollector> {
    const handleProtocols = (protocols: Set<string>) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false);
    if (options.tls) {
      const server = createHttpsServer({ cert: options.tls.cert, key: options.tls.key });
      const wss = new WebSocketServer({ server, handleProtocols });
      await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      return new ScriptedCollector(wss, `wss://127.0.0.1:${port}`, options.script ?? defaultScript, () => closeAll(wss, () => new Promise((r) => server.close(() => r()))));
    }
    const frozen = options.frozenSessions ?? 0;
    const wss = new WebSocketServer({ host: '127.0.0.1', port: options.port ?? 0, handleProtocols, autoPong: frozen === 0 });
    if (frozen > 0) {
      let opened = 0;
      wss.on('connection', (ws) => {
        opened += 1;
        if (opened > frozen) ws.on('ping', (data: Buffer) => ws.pong(data));
      });
    }
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    const { port } = wss.address() as AddressInfo;
    return new ScriptedCollector(wss, `ws://127.0.0.1:${port}`, options.script ?? defaultScript, () => closeAll(wss, async () => {}));
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  store(message: ReportMessage): void {
    if (message.seq <= this.lastSeq) return;
    this.reports.push(message);
    this.lastSeq = message.seq;
  }

  /** Every message of a type across sessions, in arrival order. */
  received<T extends AgentMessage['type']>(type: T): Array<Extract<AgentMessage, { type: T }>> {
    return this.sessions.flatMap((s) => s.messages).filter((m): m is Extract<AgentMessage, { type: T }> => m.type === type);
  }

  async waitFor(condition: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
    await until('the agent', condition, { timeoutMs });
  }

  close(): Promise<void> {
    return this.closeServer();
  }
}

async function closeAll(wss: WebSocketServer, closeServer: () => Promise<void>): Promise<void> {
  for (const client of wss.clients) client.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await closeServer();
}
