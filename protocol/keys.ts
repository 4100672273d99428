// Which of the keys on a PC a report is about, and what to call it. The agent's key.* checks judge
// this key and the collector stores it as the PC's last key seen, so both must pick the same one:
// the dashboard shows the key the checks judged.
import type { KeyFacts } from './report.ts';

/**
 * An ATKey the agent could read (the product this fleet rolls out), else any key it could read.
 * A key it could not open (access denied, error) says nothing about PIN or fingerprint, so it is
 * never the judged key, even when it is an ATKey beside a readable key of another make.
 */
export function judgedKey(keys: readonly KeyFacts[]): KeyFacts | undefined {
  const readable = keys.filter((key) => key.access === 'ok');
  return readable.find((key) => key.isAtkey) ?? readable[0];
}

/** The catalogue model, else the USB product string, else `vid:pid` in hex. */
export function keyModelName(key: KeyFacts): string {
  const hex = (n: number) => n.toString(16).padStart(4, '0');
  return key.model ?? key.product ?? `${hex(key.vendorId)}:${hex(key.productId)}`;
}
