// Fix texts carry web addresses (https://aka.ms/mysecurityinfo, aka.ms/…) and commands in backticks
// (`dsregcmd /status`). They are shown as links and as code — built as preact elements from the
// text's pieces, never as HTML, so a text from a report can add neither markup nor a script link.

export type Segment = { kind: 'text'; text: string } | { kind: 'code'; text: string } | { kind: 'link'; text: string; href: string };

/** A command between backticks, or a web address (ASCII only, so Japanese text right after it stays text): https://… or a bare aka.ms/… link. */
const TOKEN = /`([^`\n]+)`|\b(?:https?:\/\/|aka\.ms\/)[A-Za-z0-9\-._~:/?#[\]@!$&*+,;=%]+/g;
/** Sentence punctuation right after an address belongs to the sentence, not to the address. */
const TRAILING = /[.,;:!?]+$/;

export function richSegments(text: string): Segment[] {
  const segments: Segment[] = [];
  const pushText = (value: string) => {
    if (value === '') return;
    const last = segments[segments.length - 1];
    if (last?.kind === 'text') last.text += value;
    else segments.push({ kind: 'text', text: value });
  };
  let at = 0;
  for (const match of text.matchAll(TOKEN)) {
    const start = match.index;
    pushText(text.slice(at, start));
    if (match[1] !== undefined) {
      segments.push({ kind: 'code', text: match[1] });
      at = start + match[0].length;
      continue;
    }
    const address = match[0].replace(TRAILING, '');
    segments.push({ kind: 'link', text: address, href: address.startsWith('http') ? address : `https://${address}` });
    at = start + address.length;
  }
  pushText(text.slice(at));
  return segments;
}

/** A fix or report text with its addresses as links (opening a new tab) and its commands as code. */
export function RichText({ text }: { text: string }) {
  return (
    <>
      {richSegments(text).map((segment, i) =>
        segment.kind === 'text' ? (
          segment.text
        ) : segment.kind === 'code' ? (
          <code key={i}>{segment.text}</code>
        ) : (
          <a key={i} href={segment.href} target="_blank" rel="noopener noreferrer">
            {segment.text}
          </a>
        ),
      )}
    </>
  );
}
