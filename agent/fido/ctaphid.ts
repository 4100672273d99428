// CTAPHID (CTAP 2.1 §11.2): framing of messages into 64-byte reports, and a channel that performs
// bounded request/response exchanges over any HidTransport. Mirrors libfido2 src/io.c and
// python-fido2 fido2/hid: INIT with a nonce on the broadcast channel, keepalives and other
// channels' frames skipped, CHANNEL_BUSY retried, every exchange bounded by a deadline.
import { randomBytes } from 'node:crypto';
import { FidoError, asFidoError } from './errors.ts';
import { REPORT_SIZE, type HidTransport } from './transport/types.ts';

/** CTAPHID command codes (the transport layer), beside CTAP2 command codes in ctap2.ts (the protocol inside CBOR messages). */
export const CTAPHID_CMD = {
  PING: 0x01,
  MSG: 0x03,
  LOCK: 0x04,
  INIT: 0x06,
  WINK: 0x08,
  CBOR: 0x10,
  CANCEL: 0x11,
  KEEPALIVE: 0x3b,
  ERROR: 0x3f,
} as const;

export const CAPABILITY = { WINK: 0x01, CBOR: 0x04, NMSG: 0x08 } as const;

export const BROADCAST_CID = 0xffffffff;
const INIT_DATA = REPORT_SIZE - 7;
const CONT_DATA = REPORT_SIZE - 5;
/** 57 bytes in the init packet plus 128 continuation packets of 59 bytes. */
export const MAX_MESSAGE = INIT_DATA + 128 * CONT_DATA;
const NONCE_SIZE = 8;
const INIT_REPLY_SIZE = 17;

export const CTAPHID_ERRORS: Readonly<Record<number, string>> = {
  0x01: 'INVALID_CMD',
  0x02: 'INVALID_PAR',
  0x03: 'INVALID_LEN',
  0x04: 'INVALID_SEQ',
  0x05: 'MSG_TIMEOUT',
  0x06: 'CHANNEL_BUSY',
  0x0a: 'LOCK_REQUIRED',
  0x0b: 'INVALID_CHANNEL',
  0x7f: 'OTHER',
};
const ERR_CHANNEL_BUSY = 0x06;

/** Splits one message into an init packet and as many continuation packets as it needs, zero padded. */
export function encodeMessage(cid: number, cmd: number, payload: Uint8Array): Uint8Array[] {
  if (payload.length > MAX_MESSAGE) {
    throw new FidoError('BAD_LENGTH', `message of ${payload.length} bytes exceeds CTAPHID's ${MAX_MESSAGE}`);
  }
  const packets: Uint8Array[] = [];
  const first = new Uint8Array(REPORT_SIZE);
  const view = new DataView(first.buffer);
  view.setUint32(0, cid >>> 0);
  first[4] = 0x80 | cmd;
  view.setUint16(5, payload.length);
  first.set(payload.subarray(0, INIT_DATA), 7);
  packets.push(first);
  for (let offset = INIT_DATA, seq = 0; offset < payload.length; offset += CONT_DATA, seq++) {
    const packet = new Uint8Array(REPORT_SIZE);
    new DataView(packet.buffer).setUint32(0, cid >>> 0);
    packet[4] = seq;
    packet.set(payload.subarray(offset, offset + CONT_DATA), 5);
    packets.push(packet);
  }
  return packets;
}

export type FrameEvent =
  | { readonly kind: 'ignored'; readonly reason: 'other-channel' | 'stray-continuation' | 'short-report' }
  | { readonly kind: 'keepalive'; readonly status: number }
  | { readonly kind: 'partial'; readonly received: number; readonly expected: number }
  | { readonly kind: 'message'; readonly cmd: number; readonly payload: Uint8Array };

/**
 * Reassembles the reports of one channel into messages. Pure: it never reads or waits, so it can be
 * fuzzed with thousands of random reports. Throws only FidoError (BAD_LENGTH, BAD_SEQUENCE).
 */
export class MessageAssembler {
  private cmd = 0;
  private buffer: Uint8Array | null = null;
  private received = 0;
  private nextSeq = 0;

  constructor(private readonly cid: number) {}

  get inProgress(): { received: number; expected: number } | null {
    return this.buffer ? { received: this.received, expected: this.buffer.length } : null;
  }

  push(report: Uint8Array): FrameEvent {
    if (report.length < 7) return { kind: 'ignored', reason: 'short-report' };
    const view = new DataView(report.buffer, report.byteOffset, report.byteLength);
    if (view.getUint32(0) !== this.cid >>> 0) return { kind: 'ignored', reason: 'other-channel' };
    const head = report[4] ?? 0;
    if (head & 0x80) return this.start(head & 0x7f, view.getUint16(5), report);
    return this.continueWith(head, report);
  }

  private start(cmd: number, length: number, report: Uint8Array): FrameEvent {
    if (cmd === CTAPHID_CMD.KEEPALIVE) return { kind: 'keepalive', status: report[7] ?? 0 };
    if (length > MAX_MESSAGE) {
      throw new FidoError('BAD_LENGTH', `reply announces ${length} bytes, more than CTAPHID's ${MAX_MESSAGE}`);
    }
    // A new init packet replaces any half-received message: the device restarted its answer.
    this.cmd = cmd;
    this.buffer = new Uint8Array(length);
    this.received = Math.min(length, INIT_DATA, report.length - 7);
    this.buffer.set(report.subarray(7, 7 + this.received));
    this.nextSeq = 0;
    return this.completeOrPartial();
  }

  private continueWith(seq: number, report: Uint8Array): FrameEvent {
    if (!this.buffer) return { kind: 'ignored', reason: 'stray-continuation' };
    if (seq !== this.nextSeq) {
      this.buffer = null;
      throw new FidoError('BAD_SEQUENCE', `continuation packet ${seq} where ${this.nextSeq} was expected`);
    }
    this.nextSeq++;
    const take = Math.min(this.buffer.length - this.received, CONT_DATA, report.length - 5);
    this.buffer.set(report.subarray(5, 5 + take), this.received);
    this.received += take;
    return this.completeOrPartial();
  }

  private completeOrPartial(): FrameEvent {
    const buffer = this.buffer;
    if (!buffer) return { kind: 'ignored', reason: 'stray-continuation' };
    if (this.received < buffer.length) return { kind: 'partial', received: this.received, expected: buffer.length };
    this.buffer = null;
    return { kind: 'message', cmd: this.cmd, payload: buffer };
  }
}

export interface InitInfo {
  readonly cid: number;
  readonly protocolVersion: number;
  /** Device version major.minor.build as the device reports it. */
  readonly deviceVersion: readonly [number, number, number];
  readonly capabilities: number;
  readonly ctap2: boolean;
}

/** Decodes the 17-byte INIT reply payload: nonce[8] cid[4] protocol major minor build capabilities. */
export function parseInitReply(payload: Uint8Array): InitInfo {
  if (payload.length < INIT_REPLY_SIZE) {
    throw new FidoError('BAD_LENGTH', `INIT reply of ${payload.length} bytes, ${INIT_REPLY_SIZE} expected`);
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const capabilities = payload[16] ?? 0;
  return {
    cid: view.getUint32(8),
    protocolVersion: payload[12] ?? 0,
    deviceVersion: [payload[13] ?? 0, payload[14] ?? 0, payload[15] ?? 0],
    capabilities,
    ctap2: (capabilities & CAPABILITY.CBOR) !== 0,
  };
}

export interface ChannelOptions {
  /** Bound on one exchange, from the first write to the last packet of the answer (default 1500 ms). */
  readonly timeoutMs?: number;
  /** How many times a CHANNEL_BUSY answer is retried (default 3), waiting busyDelayMs between tries. */
  readonly busyRetries?: number;
  readonly busyDelayMs?: number;
  /** The INIT nonce; random by default, fixed only to replay a recorded exchange. */
  readonly nonce?: Uint8Array;
}

const DEFAULTS = { timeoutMs: 1500, busyRetries: 3, busyDelayMs: 100 } as const;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One allocated CTAPHID channel on an open transport. Create it with CtaphidChannel.open. */
export class CtaphidChannel {
  private constructor(
    private readonly transport: HidTransport,
    readonly info: InitInfo,
    /** The raw INIT reply payload, kept so a support bundle can replay it. */
    readonly initReply: Uint8Array,
    private readonly options: Required<Omit<ChannelOptions, 'nonce'>>,
  ) {}

  /** Allocates a channel: INIT on the broadcast CID; replies that do not echo the nonce are skipped. */
  static async open(transport: HidTransport, options: ChannelOptions = {}): Promise<CtaphidChannel> {
    const settings = { ...DEFAULTS, ...withoutUndefined(options) };
    const nonce = options.nonce ?? new Uint8Array(randomBytes(NONCE_SIZE));
    let sawOtherNonce = false;
    const reply = await exchange(transport, BROADCAST_CID, CTAPHID_CMD.INIT, nonce, settings, (payload) => {
      if (payload.length >= NONCE_SIZE && equalBytes(payload.subarray(0, NONCE_SIZE), nonce)) return true;
      sawOtherNonce = true;
      return false;
    }).catch((error: unknown) => {
      if (sawOtherNonce && error instanceof FidoError && error.code === 'TIMEOUT') {
        throw new FidoError('NONCE_MISMATCH', 'INIT replies arrived but none echoed our nonce');
      }
      throw error;
    });
    return new CtaphidChannel(transport, parseInitReply(reply), reply, settings);
  }

  /** Sends one command and returns the payload of the device's answer to it. */
  async call(cmd: number, payload: Uint8Array): Promise<Uint8Array> {
    try {
      return await exchange(this.transport, this.info.cid, cmd, payload, this.options, () => true);
    } catch (error) {
      // Never leave a request pending on the key: an ATKey can hang until re-plugged otherwise.
      if (error instanceof FidoError && (error.code === 'TIMEOUT' || error.code === 'INCOMPLETE')) {
        await this.transport.write(encodeMessage(this.info.cid, CTAPHID_CMD.CANCEL, new Uint8Array(0))[0]!).catch(() => {});
      }
      throw error;
    }
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * Writes a request and reads until the answer to it is complete, skipping keepalives, frames for
 * other channels and answers `accept` rejects. Rejects only with FidoError, within the time bound.
 */
async function exchange(
  transport: HidTransport,
  cid: number,
  cmd: number,
  payload: Uint8Array,
  options: Required<Omit<ChannelOptions, 'nonce'>>,
  accept: (payload: Uint8Array) => boolean,
): Promise<Uint8Array> {
  const packets = encodeMessage(cid, cmd, payload);
  for (let attempt = 0; ; attempt++) {
    try {
      for (const packet of packets) await transport.write(packet);
    } catch (error) {
      throw asFidoError(error);
    }
    const answer = await readAnswer(transport, cid, cmd, options.timeoutMs, accept);
    if (answer.kind === 'payload') return answer.payload;
    if (answer.code === ERR_CHANNEL_BUSY && attempt < options.busyRetries) {
      await sleep(options.busyDelayMs);
      continue;
    }
    const name = CTAPHID_ERRORS[answer.code] ?? `0x${answer.code.toString(16).padStart(2, '0')}`;
    throw new FidoError('DEVICE_ERROR', `CTAPHID error ${name}`);
  }
}

type Answer = { kind: 'payload'; payload: Uint8Array } | { kind: 'error'; code: number };

async function readAnswer(
  transport: HidTransport,
  cid: number,
  cmd: number,
  timeoutMs: number,
  accept: (payload: Uint8Array) => boolean,
): Promise<Answer> {
  const deadline = Date.now() + timeoutMs;
  const assembler = new MessageAssembler(cid);
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const progress = assembler.inProgress;
      if (progress) {
        throw new FidoError('INCOMPLETE', `answer stopped after ${progress.received} of ${progress.expected} bytes`);
      }
      throw new FidoError('TIMEOUT', `no answer to command 0x${cmd.toString(16)} within ${timeoutMs} ms`);
    }
    let report: Uint8Array | null;
    try {
      report = await transport.read(remaining);
    } catch (error) {
      throw asFidoError(error);
    }
    if (!report) continue;
    const event = assembler.push(report);
    if (event.kind !== 'message') continue;
    if (event.cmd === CTAPHID_CMD.ERROR) return { kind: 'error', code: event.payload[0] ?? 0 };
    if (event.cmd !== cmd) {
      throw new FidoError('UNEXPECTED_COMMAND', `answer to 0x${cmd.toString(16)} came as command 0x${event.cmd.toString(16)}`);
    }
    if (accept(event.payload)) return { kind: 'payload', payload: event.payload };
  }
}
