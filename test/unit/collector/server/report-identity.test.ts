// An unchanged PC's resend must be recognised as unchanged without serialising it, and a changed
// report must never be mistaken for an unchanged one — not even when the frame is laid out to try.
import { describe, expect, it } from 'vitest';
import { reportIdentity } from '../../../../collector/server/report-identity.ts';

/** The frame as ws delivers a text frame: its bytes. */
const identity = (text: string): string | undefined => reportIdentity(Buffer.from(text));
import { parseAgentMessage } from '../../../../collector/server/parse-message.ts';
import { reportBody } from '../../../../collector/store/common/report-body.ts';
import type { Report } from '../../../../protocol/report.ts';
import { makeReport } from '../../../../sim/fleet/reports.ts';

const frame = (seq: number, report: Report, extra = ''): string => `{"type":"report","seq":${seq},"dropped":0,${extra}"report":${JSON.stringify(report)}}`;
const report = makeReport({ generatedAt: new Date('2026-12-01T09:00:00Z') });
const later = { ...report, generatedAt: '2026-12-01T10:00:00.000Z' };

/** Equal identities must mean equal stored bodies: checked through the collector's own parse. */
function body(text: string): string {
  const parsed = parseAgentMessage(text, false);
  if (!parsed.ok || parsed.message.type !== 'report') throw new Error('not a valid report');
  return reportBody(parsed.message.report).body;
}

describe('report identity from the received frame', () => {
  it('is the same for a resend with a new seq and generatedAt, as the agent sends it', () => {
    const a = frame(1, report);
    const b = frame(2_000, later);
    expect(identity(a)).toBeDefined();
    expect(identity(a)).toBe(identity(b));
    expect(body(a)).toBe(body(b));
  });

  it('is the same when only the PC clock the message carries moved on', () => {
    const a = frame(1, report, '"clock":"2026-12-01T09:00:00.000Z",');
    const b = frame(2, later, '"clock":"2026-12-04T10:00:07.123Z",');
    expect(identity(a)).toBeDefined();
    expect(identity(a)).toBe(identity(b));
    expect(body(a)).toBe(body(b));
    // A clock value cut out can never hide a change of the report after it.
    expect(identity(frame(2, { ...later, readiness: 'not-ready' }, '"clock":"2026-12-04T10:00:07.123Z",'))).not.toBe(identity(a));
  });

  it('differs when anything else in the report changed', () => {
    const changed = [
      { ...later, readiness: 'not-ready' as const },
      { ...later, device: { ...later.device, user: 'hanako@contoso.co.jp' } },
      { ...later, checks: later.checks.map((c, i) => (i === 3 ? { ...c, status: 'fail' as const } : c)) },
    ];
    for (const next of changed) expect(identity(frame(2, next))).not.toBe(identity(frame(1, report)));
  });

  it('cannot be steered by a decoy report object ahead of the real one', () => {
    // The first marker is in an unknown key the parse strips; the real report follows in full.
    const decoy = `"x":${JSON.stringify({ report })},`;
    const a = frame(1, report, decoy);
    const b = frame(2, { ...report, readiness: 'not-ready' }, decoy);
    expect(body(a)).not.toBe(body(b));
    expect(identity(a)).not.toBe(identity(b));
    // A duplicate "report" key: JSON.parse keeps the last one, which is hashed whole.
    const dup = (r: Report) => `{"type":"report","seq":1,"report":${JSON.stringify(report)},"report":${JSON.stringify(r)}}`;
    expect(body(dup(report))).not.toBe(body(dup({ ...report, readiness: 'not-ready' })));
    expect(identity(dup(report))).not.toBe(identity(dup({ ...report, readiness: 'not-ready' })));
  });

  it('is absent for another layout, so the store hashes the body instead', () => {
    expect(identity(JSON.stringify({ seq: 1, type: 'report', report }))).toBeUndefined();
    const { generatedAt, ...rest } = report;
    expect(identity(`{"type":"report","seq":1,"report":${JSON.stringify({ generatedAt, ...rest })}}`)).toBeUndefined();
  });

  it('is computed from the received bytes, Japanese reports included', () => {
    const ja = { ...report, device: { ...report.device, hostname: '経理部-PC-01', user: '山田太郎@contoso.co.jp' } };
    const a = frame(1, ja, '"clock":"2026-12-01T09:00:00.000Z",');
    const b = frame(2, { ...ja, generatedAt: later.generatedAt }, '"clock":"2026-12-04T10:00:07.123Z",');
    // What the collector hashes: the WebSocket frame's bytes, never decoded for it.
    expect(identity(a)).toBeDefined();
    expect(identity(a)).toBe(identity(b));
    const renamed = frame(2, { ...ja, device: { ...ja.device, hostname: '経理部-PC-02' } }, '"clock":"2026-12-04T10:00:07.123Z",');
    expect(identity(renamed)).not.toBe(identity(a));
  });
});
