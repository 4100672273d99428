// A report's content identity from the frame as received, so an unchanged PC's report (the common
// case: a periodic resend) is neither re-serialised nor hashed as a 7 KB body by the store.
//
// The frame is hashed without what changes on every resend: the seq digits, the value of the first
// `"report":{"schema":"keyready.report/1","generatedAt":"…"` and, when the key right before that
// `"report"` is `"clock":"…"`, the clock's value (the agent's own layout, agent/link/client.ts). Why
// equal hashes mean equal stored bodies: the hashed text is the frame after the seq with those string
// values cut out, the parts joined by a NUL (which JSON text never contains raw, so the cuts are
// recovered exactly). Two frames that hash alike are therefore the same text apart from the seq and
// those values. The generatedAt is that of a "report" object (a key inside a JSON string would be
// escaped, so the marker only matches a real key); in a valid message that object is the report
// itself — kept outside the body — or something the parse drops (an earlier duplicate key, an unknown
// key stripped by the schema). The clock is that object's sibling: the message's own clock, or inside
// something the parse drops. Any other layout gets no identity and the store hashes the serialised
// body; a false "changed" only rewrites the body.
import { createHash } from 'node:crypto';

// Searched in the frame's bytes: ASCII markers never match inside a multi-byte UTF-8 character, and
// hashing the received bytes is hashing the text's UTF-8 (ws delivers only valid UTF-8 text frames),
// so identities equal those of the text, without decoding or re-encoding 7 KB.
const START = Buffer.from('{"type":"report","seq":');
const MARKER = Buffer.from('"report":{"schema":"keyready.report/1","generatedAt":"');
const CLOCK = Buffer.from('"clock":"');
const NUL = Buffer.from([0]);
const QUOTE = 34;
const COMMA = 44;

/** Byte ranges of a report frame: the seq digits, and the values cut out of its identity. */
export interface ReportLayout {
  seq: Range;
  generatedAt: Range;
  /** Only when the key right before the report is `"clock":"…"`. */
  clock: Range | undefined;
}

export interface Range {
  start: number;
  end: number;
}

/** The frame's layout, when it is the agent's (above); undefined for any other. */
export function reportLayout(frame: Buffer): ReportLayout | undefined {
  if (frame.length < START.length || frame.compare(START, 0, START.length, 0, START.length) !== 0) return undefined;
  let afterSeq = START.length;
  while (afterSeq < frame.length && frame[afterSeq]! >= 48 && frame[afterSeq]! <= 57) afterSeq += 1;
  const marker = frame.indexOf(MARKER, afterSeq);
  if (marker < 0) return undefined;
  const value = marker + MARKER.length;
  const close = frame.indexOf(QUOTE, value);
  if (close < 0) return undefined;
  return { seq: { start: START.length, end: afterSeq }, generatedAt: { start: value, end: close }, clock: clockValue(frame, afterSeq, marker) };
}

/** The frame's identity (above); undefined when it is not laid out as the agent's. `layout`: reportLayout's, when already read. */
export function reportIdentity(frame: Buffer, layout: ReportLayout | undefined = reportLayout(frame)): string | undefined {
  if (!layout) return undefined;
  const { seq, generatedAt, clock } = layout;
  const hash = createHash('sha256');
  if (clock) hash.update(frame.subarray(seq.end, clock.start)).update(NUL).update(frame.subarray(clock.end, generatedAt.start));
  else hash.update(frame.subarray(seq.end, generatedAt.start));
  return hash.update(NUL).update(frame.subarray(generatedAt.end)).digest('base64');
}

/** Where the value of a `"clock":"…",` directly before the report marker starts and ends. */
function clockValue(frame: Buffer, from: number, marker: number): Range | undefined {
  if (frame[marker - 1] !== COMMA || frame[marker - 2] !== QUOTE) return undefined;
  const key = frame.lastIndexOf(CLOCK, marker - 2);
  if (key < from) return undefined;
  const start = key + CLOCK.length;
  const end = marker - 2;
  // The value must be one plain string: no quote (and so no escaped one) between its two quotes.
  return frame.indexOf(QUOTE, start) === end ? { start, end } : undefined;
}
