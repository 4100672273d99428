// A TCP proxy between an agent and a collector that can cut a connection in the middle of a
// WebSocket frame: it follows the frames of each direction (after the HTTP upgrade), lets the header
// and half the payload of a chosen frame through, then destroys both sockets — what a dropped Wi-Fi
// or a killed VPN does to a frame in flight. Nothing else is changed: every other byte is forwarded.
import { connect, createServer, type Server, type Socket } from 'node:net';

export type Direction = 'to-collector' | 'to-agent';

export interface CutRule {
  /** Cut every `every`-th data frame (text, binary or continuation) of at least `minBytes` payload. */
  every: number;
  minBytes: number;
  /** At most this many cuts by this rule (default: no limit). */
  times?: number;
}

interface FrameHeader {
  headerBytes: number;
  payloadBytes: number;
  opcode: number;
}

/** A frame header at the start of `buf`, or null while it is incomplete (RFC 6455 §5.2). */
function frameHeader(buf: Buffer): FrameHeader | null {
  if (buf.length < 2) return null;
  const opcode = buf[0]! & 0x0f;
  const masked = (buf[1]! & 0x80) !== 0;
  let payloadBytes = buf[1]! & 0x7f;
  let offset = 2;
  if (payloadBytes === 126) {
    if (buf.length < 4) return null;
    payloadBytes = buf.readUInt16BE(2);
    offset = 4;
  } else if (payloadBytes === 127) {
    if (buf.length < 10) return null;
    payloadBytes = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  const headerBytes = offset + (masked ? 4 : 0);
  return buf.length < headerBytes ? null : { headerBytes, payloadBytes, opcode };
}

/** One direction of one connection: forwards bytes, and reports the cut point of a frame to cut. */
class FrameStream {
  #inHead = true;
  #head = '';
  #pending = Buffer.alloc(0);
  #remaining = 0;
  /** Payload bytes of the current frame still to pass before the cut; null: not cutting this one. */
  #cutAfter: number | null = null;

  constructor(
    private readonly forward: (bytes: Buffer) => void,
    private readonly shouldCut: (header: FrameHeader) => boolean,
    private readonly cut: () => void,
  ) {}

  push(chunk: Buffer): void {
    let data = chunk;
    if (this.#inHead) {
      // The HTTP upgrade request or response, up to its blank line.
      const text = this.#head + data.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) {
        this.#head = text.slice(-3);
        return this.forward(data);
      }
      const headBytes = end + 4 - this.#head.length;
      this.forward(data.subarray(0, headBytes));
      data = data.subarray(headBytes);
      this.#inHead = false;
    }
    while (data.length > 0) {
      if (this.#remaining > 0) {
        const n = Math.min(this.#remaining, data.length);
        if (this.#cutAfter !== null && n >= this.#cutAfter) {
          this.forward(data.subarray(0, this.#cutAfter));
          return this.cut();
        }
        this.forward(data.subarray(0, n));
        this.#remaining -= n;
        if (this.#cutAfter !== null) this.#cutAfter -= n;
        data = data.subarray(n);
        continue;
      }
      const buf = this.#pending.length > 0 ? Buffer.concat([this.#pending, data]) : data;
      const header = frameHeader(buf);
      if (!header) {
        this.#pending = Buffer.from(buf);
        return;
      }
      this.#pending = Buffer.alloc(0);
      this.forward(buf.subarray(0, header.headerBytes));
      data = buf.subarray(header.headerBytes);
      this.#remaining = header.payloadBytes;
      this.#cutAfter = header.payloadBytes >= 2 && this.shouldCut(header) ? Math.floor(header.payloadBytes / 2) : null;
    }
  }
}

export class CuttingProxy {
  readonly cuts: Record<Direction, number> = { 'to-collector': 0, 'to-agent': 0 };
  readonly #rules: Partial<Record<Direction, CutRule & { seen: number; cut: number }>> = {};
  readonly #sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<CuttingProxy> {
    let proxy: CuttingProxy | null = null;
    const server = createServer((agent) => proxy?.pipe(agent, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    proxy = new CuttingProxy(server, address.port);
    return proxy;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** From now on, cut every n-th matching frame in `direction` (replacing an earlier rule). */
  cut(direction: Direction, rule: CutRule | null): void {
    if (rule) this.#rules[direction] = { ...rule, seen: 0, cut: 0 };
    else delete this.#rules[direction];
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pipe(agent: Socket, target: { host: string; port: number }): void {
    const collector = connect(target.port, target.host);
    for (const socket of [agent, collector]) {
      this.#sockets.add(socket);
      socket.on('error', () => undefined); // a cut or the peer's reset: both sides are destroyed below
      socket.on('close', () => {
        this.#sockets.delete(socket);
        agent.destroy();
        collector.destroy();
      });
    }
    const cutBoth = (direction: Direction) => () => {
      this.cuts[direction] += 1;
      agent.destroy();
      collector.destroy();
    };
    const toCollector = new FrameStream((b) => collector.write(b), (h) => this.#matches('to-collector', h), cutBoth('to-collector'));
    const toAgent = new FrameStream((b) => agent.write(b), (h) => this.#matches('to-agent', h), cutBoth('to-agent'));
    agent.on('data', (chunk: Buffer) => toCollector.push(chunk));
    collector.on('data', (chunk: Buffer) => toAgent.push(chunk));
  }

  #matches(direction: Direction, header: FrameHeader): boolean {
    const rule = this.#rules[direction];
    // Control frames (close, ping, pong: opcode 8 and above) are never cut.
    if (!rule || header.opcode >= 8 || header.payloadBytes < rule.minBytes || rule.cut >= (rule.times ?? Infinity)) return false;
    rule.seen += 1;
    if (rule.seen % rule.every !== 0) return false;
    rule.cut += 1;
    return true;
  }
}
