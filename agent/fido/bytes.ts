// Hex is how raw device bytes are kept in captures and support bundles: readable, diffable, exact.

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Parses lowercase or uppercase hex, optionally with spaces; throws on anything else. */
export function fromHex(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(compact)) throw new Error(`not a hex byte string: "${text.slice(0, 40)}"`);
  return new Uint8Array(Buffer.from(compact, 'hex'));
}
