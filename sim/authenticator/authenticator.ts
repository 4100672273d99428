// A software FIDO authenticator speaking real CTAPHID and the auth-free CTAP2 commands (getInfo,
// getFingerprintSensorInfo), with misbehaviours on demand. Its framing is written independently of
// agent/fido/ctaphid.ts on purpose: a shared bug would otherwise cancel out in the tests.
import { Encoder } from 'cbor-x';

const REPORT = 64;
const BROADCAST = 0xffffffff;
const INIT = 0x06;
const CBOR = 0x10;
const CANCEL = 0x11;
const KEEPALIVE = 0x3b;
const ERROR = 0x3f;
const ERR_INVALID_CMD = 0x01;
const ERR_CHANNEL_BUSY = 0x06;
const CTAP2_INVALID_COMMAND = 0x01;
const CAP_WINK = 0x01;
const CAP_CBOR = 0x04;

export const MISBEHAVIOURS = [
  /** INIT replies echo a different nonce. */
  'wrong-nonce',
  /** CBOR replies go to another channel id. */
  'wrong-cid',
  /** Three KEEPALIVE (processing) frames, 40 ms apart, before each CBOR reply. */
  'keepalives',
  /** CHANNEL_BUSY for every CBOR request. */
  'channel-busy',
  /** CHANNEL_BUSY for the first CBOR request only. */
  'busy-once',
  /** Announces fewer bytes than the reply holds (the CBOR arrives cut short). */
  'truncated-length',
  /** Announces a length beyond the CTAPHID maximum. */
  'overlong-length',
  /** Sends the first packet of a multi-packet reply and stops. */
  'missing-continuation',
  /** Numbers continuation packets from 1 instead of 0. */
  'bad-sequence',
  /** Status OK followed by bytes that are not CBOR. */
  'invalid-cbor',
  /** CTAP2 status INVALID_COMMAND for getInfo. */
  'ctap-error',
  /** Never answers CBOR requests. */
  'silence',
] as const;
export type Misbehaviour = (typeof MISBEHAVIOURS)[number];

export interface SensorSpec {
  readonly fingerprintKind: number;
  readonly maxCaptureSamplesRequiredForEnroll: number;
  readonly maxTemplateFriendlyName: number;
}

/** getInfo as the key would report it; encoded with integer keys as CTAP2 requires. */
export interface GetInfoSpec {
  readonly versions: readonly string[];
  readonly extensions?: readonly string[];
  readonly aaguid: string;
  readonly options?: Readonly<Record<string, boolean>>;
  readonly maxMsgSize?: number;
  readonly pinUvAuthProtocols?: readonly number[];
  readonly transports?: readonly string[];
  readonly algorithms?: readonly { readonly type: string; readonly alg: number }[];
  readonly firmwareVersion?: number;
  readonly uvModality?: number;
  /** Keys the agent does not know must be ignored; this lets a test add some. */
  readonly extra?: ReadonlyMap<number, unknown>;
}

export interface AuthenticatorConfig {
  /** null = a U2F-only key: no CBOR capability. */
  readonly getInfo: GetInfoSpec | null;
  /** Answered to bioEnrollment 0x09 when the key has bioEnroll, or 0x40 for the preview option. */
  readonly sensor?: SensorSpec | null;
  readonly misbehaviour?: Misbehaviour | null;
  readonly deviceVersion?: readonly [number, number, number];
}

const encoder = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false });

export function encodeGetInfo(spec: GetInfoSpec): Uint8Array {
  const entries: [number, unknown][] = [
    [0x01, [...spec.versions]],
    [0x02, spec.extensions ? [...spec.extensions] : undefined],
    [0x03, Buffer.from(spec.aaguid.replace(/-/g, ''), 'hex')],
    [0x04, spec.options ? new Map(Object.entries(spec.options)) : undefined],
    [0x05, spec.maxMsgSize],
    [0x06, spec.pinUvAuthProtocols ? [...spec.pinUvAuthProtocols] : undefined],
    [0x09, spec.transports ? [...spec.transports] : undefined],
    [0x0a, spec.algorithms?.map((a) => new Map<string, unknown>([['alg', a.alg], ['type', a.type]]))],
    [0x0e, spec.firmwareVersion],
    [0x12, spec.uvModality],
    ...(spec.extra ? [...spec.extra.entries()] : []),
  ];
  const map = new Map(entries.filter(([, value]) => value !== undefined).sort(([a], [b]) => a - b));
  return new Uint8Array(encoder.encode(map));
}

function header(cid: number): Uint8Array {
  const packet = new Uint8Array(REPORT);
  new DataView(packet.buffer).setUint32(0, cid >>> 0);
  return packet;
}

/** What the agent asked, in order, so tests can prove it never asked for anything beyond getInfo-class. */
export interface Request {
  readonly cid: number;
  readonly cmd: number;
  readonly payload: Uint8Array;
}

export class VirtualAuthenticator {
  readonly requests: Request[] = [];
  private nextCid = 0x03000000;
  private cborRequests = 0;
  private pending = new Map<number, { cmd: number; data: Uint8Array; have: number; seq: number }>();
  private timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly config: AuthenticatorConfig,
    private readonly send: (report: Uint8Array) => void,
  ) {}

  get capabilities(): number {
    // A U2F-only key lacks CBOR; it keeps CTAP1 MSG, so NMSG stays clear either way.
    return CAP_WINK | (this.config.getInfo ? CAP_CBOR : 0);
  }

  /** Stops pending delayed replies (keepalive sequences). */
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  receive(report: Uint8Array): void {
    if (report.length < 5) return;
    const view = new DataView(report.buffer, report.byteOffset, report.byteLength);
    const cid = view.getUint32(0);
    const head = report[4] ?? 0;
    if (head & 0x80) {
      const length = report.length >= 7 ? view.getUint16(5) : 0;
      const data = new Uint8Array(length);
      const have = Math.min(length, REPORT - 7);
      data.set(report.subarray(7, 7 + have));
      this.pending.set(cid, { cmd: head & 0x7f, data, have, seq: 0 });
    } else {
      const partial = this.pending.get(cid);
      if (!partial || head !== partial.seq) return;
      const take = Math.min(partial.data.length - partial.have, REPORT - 5);
      partial.data.set(report.subarray(5, 5 + take), partial.have);
      partial.have += take;
      partial.seq++;
    }
    const message = this.pending.get(cid);
    if (message && message.have >= message.data.length) {
      this.pending.delete(cid);
      this.requests.push({ cid, cmd: message.cmd, payload: message.data });
      this.handle(cid, message.cmd, message.data);
    }
  }

  private handle(cid: number, cmd: number, payload: Uint8Array): void {
    if (cmd === INIT) return this.handleInit(cid, payload);
    if (cmd === CANCEL) return;
    if (cmd === CBOR && this.config.getInfo) return this.handleCbor(cid, payload);
    this.reply(cid, ERROR, Uint8Array.of(ERR_INVALID_CMD));
  }

  private handleInit(cid: number, nonce: Uint8Array): void {
    this.reply(cid, INIT, this.initAnswer(cid, nonce));
  }

  /** The INIT reply payload (message level, before framing): nonce, new channel, versions, capabilities. */
  initAnswer(cid: number, nonce: Uint8Array): Uint8Array {
    const answer = new Uint8Array(17);
    answer.set(nonce.subarray(0, 8));
    if (this.config.misbehaviour === 'wrong-nonce') answer[0] = (answer[0] ?? 0) ^ 0xff;
    const allocated = cid === BROADCAST ? this.nextCid++ : cid;
    new DataView(answer.buffer).setUint32(8, allocated);
    const [major, minor, build] = this.config.deviceVersion ?? [1, 0, 0];
    answer.set([2, major, minor, build, this.capabilities], 12);
    return answer;
  }

  private handleCbor(cid: number, payload: Uint8Array): void {
    const misbehaviour = this.config.misbehaviour ?? null;
    this.cborRequests++;
    if (misbehaviour === 'silence') return;
    if (misbehaviour === 'channel-busy' || (misbehaviour === 'busy-once' && this.cborRequests === 1)) {
      return this.reply(cid, ERROR, Uint8Array.of(ERR_CHANNEL_BUSY));
    }
    const answer = this.answerCbor(payload);
    const target = misbehaviour === 'wrong-cid' ? (cid ^ 0x01) >>> 0 : cid;
    if (misbehaviour !== 'keepalives') return this.reply(target, CBOR, answer);
    for (let i = 0; i < 3; i++) this.later(i * 40, () => this.reply(cid, KEEPALIVE, Uint8Array.of(1)));
    this.later(120, () => this.reply(target, CBOR, answer));
  }

  /** The CTAPHID_CBOR reply payload (status + CBOR) to one CTAP2 request, before framing. */
  answerCbor(payload: Uint8Array): Uint8Array {
    const command = payload[0];
    const info = this.config.getInfo;
    if (command === 0x04 && info) {
      if (this.config.misbehaviour === 'ctap-error') return Uint8Array.of(CTAP2_INVALID_COMMAND);
      if (this.config.misbehaviour === 'invalid-cbor') return Uint8Array.of(0x00, 0xff, 0xfe, 0x1c, 0x5f, 0x00);
      return Uint8Array.of(0x00, ...encodeGetInfo(info));
    }
    const options = info?.options ?? {};
    const bioCommand = 'bioEnroll' in options ? 0x09 : 'userVerificationMgmtPreview' in options ? 0x40 : null;
    const sensor = this.config.sensor;
    if (sensor && command === bioCommand && payload.length > 1) {
      const body = new Map<number, number>([
        [0x01, 1],
        [0x02, sensor.fingerprintKind],
        [0x03, sensor.maxCaptureSamplesRequiredForEnroll],
        [0x08, sensor.maxTemplateFriendlyName],
      ]);
      return Uint8Array.of(0x00, ...encoder.encode(body));
    }
    return Uint8Array.of(CTAP2_INVALID_COMMAND);
  }

  private later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }

  private reply(cid: number, cmd: number, payload: Uint8Array): void {
    const misbehaviour = cmd === CBOR ? (this.config.misbehaviour ?? null) : null;
    const first = header(cid);
    first[4] = 0x80 | cmd;
    const announced =
      misbehaviour === 'truncated-length'
        ? Math.max(1, payload.length - 8)
        : misbehaviour === 'overlong-length'
          ? 0xffff
          : payload.length;
    new DataView(first.buffer).setUint16(5, announced);
    first.set(payload.subarray(0, REPORT - 7), 7);
    this.send(first);
    if (misbehaviour === 'missing-continuation') return;
    for (let offset = REPORT - 7, seq = misbehaviour === 'bad-sequence' ? 1 : 0; offset < payload.length; offset += REPORT - 5, seq++) {
      const packet = header(cid);
      packet[4] = seq;
      packet.set(payload.subarray(offset, offset + REPORT - 5), 5);
      this.send(packet);
    }
  }
}
