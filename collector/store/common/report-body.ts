// The latest report is stored as its body (everything but generatedAt) plus generatedAt in its own
// column. Consecutive reports of an unchanged PC differ only in generatedAt, so comparing body hashes
// tells "same state again" without reading the stored body, and the body is rewritten only on change.
import { createHash } from 'node:crypto';
import { Report } from '../../../protocol/report.ts';

export function reportBody(report: Report): { body: string; hash: string } {
  const { generatedAt: _generatedAt, ...rest } = report;
  const body = JSON.stringify(rest);
  // Content identity, not a security boundary; sha256 for its collision resistance all the same.
  return { body, hash: createHash('sha256').update(body).digest('base64') };
}

/** The stored report as it was received. */
export function restoreReport(body: string, generatedAt: string): Report {
  return Report.parse({ ...(JSON.parse(body) as object), generatedAt });
}
