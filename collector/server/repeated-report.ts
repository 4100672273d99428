// An agent sends the same state again: once every resend interval while nothing changes, and in a
// row as its outbox drains the resends it queued while away (a bench's agents, like the issue's
// client, do nothing else). Such a frame differs from the last report its connection validated only in
// the values report-identity.ts leaves out of the identity (the seq, the report's generatedAt and the
// message's clock), so parsing and validating its 7 KB again — the largest cost left on the
// collector's main thread at full ingest (bench/README.md, "Unchanged reports not parsed again") —
// only re-proves what the last parse proved. Here the three values are read from their bytes, each
// checked as JSON.parse and the schema would check it, and set on a copy of the last message.
//
// Why that is the parse's own answer: equal identities mean the frames are the same text outside
// those three ranges (report-identity.ts). A frame qualifies as the basis only if each value the
// parse returned is the one written in its range, and its key occurs once in the whole frame, so no
// other occurrence (a duplicate key, which JSON.parse lets win) could supply it in the repeat. A new
// value is taken only as plain JSON text that needs no decoding (canonical digits; printable ASCII
// without quote or backslash), so its bytes are the value. Anything else is parsed in full.
import { ReportMessage } from '../../protocol/messages.ts';
import { Report } from '../../protocol/report.ts';
import type { Range, ReportLayout } from './report-identity.ts';

interface Basis {
  identity: string;
  message: ReportMessage;
  verbatim: boolean;
}

const COMMA = 44;
/** Longer seq digits could exceed what a double holds exactly; such a frame is parsed in full. */
const MAX_SEQ_DIGITS = 15;
const KEYS = { seq: Buffer.from('"seq":'), generatedAt: Buffer.from('"generatedAt":'), report: Buffer.from('"report":'), clock: Buffer.from('"clock":') };

/**
 * One connection's basis. Memory decides when there is one: a parsed report is ~6 KB of heap, and most
 * connections send one report and then nothing for an hour (a storm's first reports; resends), so the
 * basis is kept only from the second report of the same state on, and let go by a ping round that
 * finds no report since the last (`idle`). A connection streaming one state keeps it; an idle one
 * keeps the last identity at most.
 */
export class RepeatedReports {
  #basis: Basis | undefined;
  #lastIdentity: string | undefined;
  #heard = false;

  /** The message `frame` carries when it repeats the basis (its identity is the basis's), else undefined: parse it. */
  repeat(frame: Buffer, layout: ReportLayout, identity: string): { message: ReportMessage; verbatim: boolean } | undefined {
    this.#heard = true;
    const basis = this.#basis;
    if (!basis || basis.identity !== identity || (layout.clock === undefined) !== (basis.message.clock === undefined)) return undefined;
    const seq = seqValue(frame, layout.seq);
    const generatedAt = plainText(frame, layout.generatedAt);
    const clock = layout.clock && plainText(frame, layout.clock);
    if (seq === undefined || generatedAt === undefined || !GENERATED_AT.safeParse(generatedAt).success) return undefined;
    if (layout.clock && (clock === undefined || !CLOCK.safeParse(clock).success)) return undefined;
    const message: ReportMessage = { ...basis.message, seq, report: { ...basis.message.report, generatedAt } };
    if (clock !== undefined) message.clock = clock;
    return { message, verbatim: basis.verbatim };
  }

  /**
   * A report message just parsed and validated from `frame`: the basis when it repeats the report
   * before it and qualifies; otherwise the basis is forgotten.
   */
  remember(frame: Buffer, layout: ReportLayout | undefined, identity: string | undefined, message: ReportMessage, verbatim: boolean): void {
    this.#heard = true;
    const again = identity !== undefined && identity === this.#lastIdentity;
    this.#basis = again && layout && qualifies(frame, layout, message) ? { identity, message, verbatim } : undefined;
    this.#lastIdentity = identity;
  }

  /** A ping round: what no report used since the last round is let go. */
  idle(): void {
    if (!this.#heard) {
      this.#basis = undefined;
      this.#lastIdentity = undefined;
    }
    this.#heard = false;
  }
}

const GENERATED_AT = Report.shape.generatedAt;
const CLOCK = ReportMessage.shape.clock;

function qualifies(frame: Buffer, layout: ReportLayout, message: ReportMessage): boolean {
  // The byte after the digits is in the identity: a comma there makes the digits the whole number.
  if (frame[layout.seq.end] !== COMMA || seqValue(frame, layout.seq) !== message.seq) return false;
  if (plainText(frame, layout.generatedAt) !== message.report.generatedAt) return false;
  if (layout.clock ? plainText(frame, layout.clock) !== message.clock : message.clock !== undefined) return false;
  return once(frame, KEYS.seq) && once(frame, KEYS.generatedAt) && once(frame, KEYS.report) && (layout.clock ? once(frame, KEYS.clock) : true);
}

function once(frame: Buffer, key: Buffer): boolean {
  const first = frame.indexOf(key);
  return first >= 0 && frame.indexOf(key, first + 1) < 0;
}

/** The digits as JSON reads them, when they are one canonical non-negative integer. */
function seqValue(frame: Buffer, range: Range): number | undefined {
  const length = range.end - range.start;
  if (length === 0 || length > MAX_SEQ_DIGITS || (length > 1 && frame[range.start] === 48)) return undefined;
  return Number(frame.toString('latin1', range.start, range.end));
}

/** The string's value when its JSON text is the value itself: printable ASCII, no escape. */
function plainText(frame: Buffer, range: Range): string | undefined {
  for (let at = range.start; at < range.end; at += 1) {
    const byte = frame[at]!;
    if (byte < 0x20 || byte > 0x7e || byte === 0x5c) return undefined;
  }
  return frame.toString('latin1', range.start, range.end);
}
