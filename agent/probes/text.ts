// Turns the bytes of a captured text (a dsregcmd output a user pasted or redirected, a bundle file)
// into a string. PowerShell's `>` writes UTF-16LE with a BOM, cmd.exe writes the console code page,
// editors write UTF-8 with or without BOM; anything else is refused with a reason, never guessed.

export const MAX_TEXT_BYTES = 1024 * 1024;

import { readFile, stat } from 'node:fs/promises';
import { errorText } from '../../protocol/error-text.ts';
import { type Reason } from './source.ts';

export type DecodedText = { ok: true; text: string } | { ok: false; reason: Reason };

function looksUtf16LeWithoutBom(bytes: Buffer): boolean {
  // ASCII text in UTF-16LE has a NUL in (almost) every odd byte and almost none in the even ones.
  const sample = bytes.subarray(0, Math.min(bytes.length, 512));
  let oddNuls = 0;
  let evenNuls = 0;
  for (let i = 0; i < sample.length; i++) {
    if (sample[i] === 0) {
      if (i % 2 === 1) oddNuls++;
      else evenNuls++;
    }
  }
  const pairs = Math.floor(sample.length / 2);
  return pairs >= 2 && oddNuls >= pairs * 0.6 && evenNuls <= pairs * 0.1;
}

function swapBytes(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
  return copy.swap16();
}

/** Share of characters that no text file holds (NUL and C0 controls other than tab/CR/LF/FF). */
function controlShare(text: string): number {
  if (text.length === 0) return 0;
  let bad = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d && code !== 0x0c) || code === 0xfffd) bad++;
  }
  return bad / text.length;
}

export function decodeText(bytes: Buffer, what: string): DecodedText {
  if (bytes.length > MAX_TEXT_BYTES) {
    return { ok: false, reason: { key: 'reason.text.too-large', params: { what, bytes: bytes.length } } };
  }
  let text: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) text = bytes.subarray(2).toString('utf16le');
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = swapBytes(bytes.subarray(2)).toString('utf16le');
  else if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) text = bytes.subarray(3).toString('utf8');
  else if (looksUtf16LeWithoutBom(bytes)) text = bytes.toString('utf16le');
  else text = bytes.toString('utf8');

  if (text.trim().length === 0) return { ok: false, reason: { key: 'reason.text.empty', params: { what } } };
  if (controlShare(text) > 0.02) return { ok: false, reason: { key: 'reason.text.binary', params: { what } } };
  return { ok: true, text };
}

/** Reads a captured text file, refusing a huge one before reading it. */
export async function readTextFile(path: string): Promise<DecodedText> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return { ok: false, reason: { key: 'reason.file.unreadable', params: { file: path, problem: 'not a file' } } };
    if (info.size > MAX_TEXT_BYTES) return { ok: false, reason: { key: 'reason.text.too-large', params: { what: path, bytes: info.size } } };
    return decodeText(await readFile(path), path);
  } catch (error) {
    return { ok: false, reason: { key: 'reason.file.unreadable', params: { file: path, problem: errorText(error) } } };
  }
}

/** Reads a paste from standard input (`--dsregcmd -`): a terminal or PowerShell pipes UTF-8 or UTF-16. */
export async function readTextStream(stream: AsyncIterable<Buffer | string>, what: string): Promise<DecodedText> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    size += bytes.length;
    // Stop reading once it is too large: a runaway pipe must not fill the memory.
    if (size > MAX_TEXT_BYTES) return { ok: false, reason: { key: 'reason.text.too-large', params: { what, bytes: size } } };
    chunks.push(bytes);
  }
  return decodeText(Buffer.concat(chunks), what);
}
