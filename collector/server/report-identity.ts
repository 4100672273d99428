// A report's content identity from the frame as received, so an unchanged PC's report (the common
// case: a periodic resend) is neither re-serialised nor hashed as a 7 KB body by the store.
//
// The frame is hashed without what changes on every resend: the seq digits and the value of the
// first `"report":{"schema":"keyready.report/1","generatedAt":"…"` (the agent's own layout,
// agent/link/client.ts). Why equal hashes mean equal stored bodies: the hashed text is the frame
// after the seq with that one string value cut out, the two parts joined by a NUL (which JSON text
// never contains raw, so the cut is recovered exactly). Two frames that hash alike are therefore the
// same text apart from the seq and that value. The value is the generatedAt of a "report" object
// (a key inside a JSON string would be escaped, so the marker only matches a real key); in a valid
// message that object is the report itself — kept outside the body — or something the parse drops
// (an earlier duplicate key, an unknown key stripped by the schema). Any other layout gets no
// identity and the store hashes the serialised body; a false "changed" only rewrites the body.
import { createHash } from 'node:crypto';

const START = '{"type":"report","seq":';
const MARKER = '"report":{"schema":"keyready.report/1","generatedAt":"';

export function reportIdentity(frame: string): string | undefined {
  if (!frame.startsWith(START)) return undefined;
  let afterSeq = START.length;
  while (afterSeq < frame.length && frame.charCodeAt(afterSeq) >= 48 && frame.charCodeAt(afterSeq) <= 57) afterSeq += 1;
  const marker = frame.indexOf(MARKER, afterSeq);
  if (marker < 0) return undefined;
  const value = marker + MARKER.length;
  const close = frame.indexOf('"', value);
  if (close < 0) return undefined;
  return createHash('sha256').update(frame.slice(afterSeq, value)).update('\u0000').update(frame.slice(close)).digest('base64');
}
