// An unchanged report is not parsed again (collector/server/repeated-report.ts): whatever it answers
// must be what the collector's full parse answers. Checked on reports the real agent builds from the
// real dsregcmd captures, in the agent's own frame layout, against parseAgentMessage itself — and on
// seeded mutations of exactly the bytes it reads (seq, generatedAt, clock), the only ones a repeat may
// differ in.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAgentMessage } from '../../../../collector/server/parse-message.ts';
import { RepeatedReports } from '../../../../collector/server/repeated-report.ts';
import { reportIdentity, reportLayout } from '../../../../collector/server/report-identity.ts';
import type { ReportMessage } from '../../../../protocol/messages.ts';
import type { Report } from '../../../../protocol/report.ts';
import { pcReport } from '../../../../sim/fleet/pc-report.ts';
import { seededRandom } from '../../../../sim/prng.ts';

const CAPTURES = readdirSync(join(import.meta.dirname, '../../../fixtures/dsregcmd')).filter((f) => f.endsWith('.txt')).sort();
const device = { hostname: 'PC-REPEAT-0001', manufacturer: 'LENOVO', model: '21HD003QJP', serial: 'PF1', uuid: '4c4c4544-0000-1000-8000-000000000001', user: 'taro@contoso.co.jp' };
const reports: Report[] = CAPTURES.slice(0, 6).flatMap((dsregcmd) => (['en', 'ja'] as const).map((lang) => pcReport({ dsregcmd }, device, new Date('2026-12-01T09:00:00.000Z'), lang)));

/** The frame as agent/link/client.ts sends it: type, seq, dropped, requestId?, clock, report. */
function agentFrame(seq: string | number, report: Report, clock: string | null = '2026-12-01T09:00:00.000Z', generatedAt: string = report.generatedAt, extra = ''): Buffer {
  const text = JSON.stringify(report).replace(`"generatedAt":${JSON.stringify(report.generatedAt)}`, `"generatedAt":"${generatedAt}"`);
  return Buffer.from(`{"type":"report","seq":${seq},"dropped":0,${extra}${clock === null ? '' : `"clock":"${clock}",`}"report":${text}}`);
}

/** What the connection does with one frame: the repeat's answer if it has one, else the full parse (remembered). */
function receive(repeats: RepeatedReports, frame: Buffer): { repeated: boolean; message: ReportMessage | null; verbatim?: boolean } {
  const layout = reportLayout(frame);
  const identity = layout && reportIdentity(frame, layout);
  const repeated = layout && identity ? repeats.repeat(frame, layout, identity) : undefined;
  if (repeated) return { repeated: true, message: repeated.message, verbatim: repeated.verbatim };
  const parsed = parseAgentMessage(frame, false);
  if (!parsed.ok || parsed.message.type !== 'report') return { repeated: false, message: null };
  repeats.remember(frame, layout, identity, parsed.message, parsed.verbatim);
  return { repeated: false, message: parsed.message, verbatim: parsed.verbatim };
}

/** A connection that has sent `report` twice (seq 6 and 7): the second time it became the basis. */
function primed(report: Report, clock: string | null = '2026-12-01T09:00:00.000Z', extra = ''): RepeatedReports {
  const repeats = new RepeatedReports();
  for (const seq of [6, 7]) expect(receive(repeats, agentFrame(seq, report, clock, report.generatedAt, extra)).repeated).toBe(false);
  return repeats;
}

/** The full parse of `frame`: what the repeat must equal. */
function parsedReport(frame: Buffer): { message: ReportMessage; verbatim: boolean } | null {
  const parsed = parseAgentMessage(frame, false);
  return parsed.ok && parsed.message.type === 'report' ? { message: parsed.message, verbatim: parsed.verbatim } : null;
}

describe('unchanged reports not parsed again', () => {
  it('repeats every real report sent again with a new seq, generatedAt and clock, with the full parse\'s message', () => {
    for (const report of reports) {
      const repeats = primed(report);
      for (const [seq, at, clock] of [
        [8, '2026-12-01T09:05:00.000Z', '2026-12-01T09:05:00.120Z'],
        [123_456_789, '2026-12-02T10:00:00.000Z', '2026-12-05T10:00:00+09:00'],
      ] as const) {
        const frame = agentFrame(seq, report, clock, at);
        const repeat = receive(repeats, frame);
        expect(repeat.repeated, report.device.hostname).toBe(true);
        expect(repeat.message).toEqual(parsedReport(frame)!.message);
        expect(repeat.verbatim).toBe(parsedReport(frame)!.verbatim);
        expect(repeat.message!.seq).toBe(seq);
        expect(repeat.message!.report.generatedAt).toBe(at);
        expect(repeat.message!.clock).toBe(clock);
      }
    }
  });

  it('repeats a frame without a clock too (agents before it), and never one that gained or lost its clock', () => {
    const repeats = primed(reports[0]!, null);
    const again = agentFrame(8, reports[0]!, null, '2026-12-01T09:05:00.000Z');
    expect(receive(repeats, again)).toMatchObject({ repeated: true, message: parsedReport(again)!.message });
    expect(receive(repeats, agentFrame(9, reports[0]!)).repeated).toBe(false);
  });

  it('parses in full what changed, and what it cannot read as plain values', () => {
    const repeats = primed(reports[0]!);
    // Another state: another identity; and the state before it must be primed again.
    expect(receive(repeats, agentFrame(8, { ...reports[0]!, readiness: 'not-ready' })).repeated).toBe(false);
    expect(receive(repeats, agentFrame(9, reports[0]!)).repeated).toBe(false);
    expect(receive(repeats, agentFrame(10, reports[0]!)).repeated).toBe(false);
    for (const [seq, at, clock] of [
      ['04', '2026-12-01T09:05:00.000Z', '2026-12-01T09:05:00.000Z'], // not JSON: a leading zero
      ['1234567890123456', '2026-12-01T09:05:00.000Z', '2026-12-01T09:05:00.000Z'], // past exact doubles
      ['', '2026-12-01T09:05:00.000Z', '2026-12-01T09:05:00.000Z'],
      [5, '2026-12-01T09:05:00\\u002e000Z', '2026-12-01T09:05:00.000Z'], // an escape: decoded by JSON.parse
      [5, '2026-12-01T09:05:00.000Z', 'yesterday'], // not a clock the schema takes
      [5, '2026-12-01T09:05:00.000Z', '2026-12-01T09:05:00\\u002e000Z'],
      [5, 'x'.repeat(5_000), '2026-12-01T09:05:00.000Z'], // over the schema's text length
    ] as const) {
      const frame = agentFrame(seq, reports[0]!, clock, at);
      const answer = receive(repeats, frame);
      expect(answer.repeated, `${seq} ${at.slice(0, 40)} ${clock}`).toBe(false);
      expect(answer.message).toEqual(parsedReport(frame)?.message ?? null);
    }
  });

  it('takes no basis whose values a duplicate key or another number form could override in a repeat', () => {
    const report = reports[0]!;
    for (const basis of [
      agentFrame(1, report, '2026-12-01T09:00:00.000Z', report.generatedAt, '"seq":1,'), // a later seq wins in JSON.parse
      agentFrame('0e5', report), // 3e5 in a repeat would be 300000, not 3
      agentFrame('1.0', report),
    ]) {
      const text = basis.toString();
      // The later duplicate must come after the real one: move the extra key behind the report.
      const frame = text.includes(',"seq":1,"clock"') ? Buffer.from(`${text.replace(',"seq":1,"clock"', ',"clock"').slice(0, -1)},"seq":1}`) : basis;
      const repeats = new RepeatedReports();
      for (let twice = 0; twice < 2; twice += 1) expect(receive(repeats, frame).message, frame.toString().slice(0, 60)).not.toBeNull();
      const next = Buffer.from(frame.toString().replace(/^\{"type":"report","seq":\d+/, '{"type":"report","seq":3'));
      const answer = receive(repeats, next);
      expect(answer.repeated).toBe(false);
      expect(answer.message).toEqual(parsedReport(next)?.message ?? null);
    }
  });

  it('answers as the full parse on seeded mutations of the bytes it reads (2,000 frames)', () => {
    const random = seededRandom(Number(process.env.FUZZ_SEED ?? 17));
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const pieces = ['0', '1', '9', '00', '.', 'e', '-', '+', ' ', '"', '\\', '\\"', '\\u0041', 'T', 'Z', ':', '+09:00', '2026-12-01T09:05:00.000Z', 'é', '日', '\u0007', '\t', ''];
    const value = (base: string): string => {
      let text = base;
      const edits = 1 + Math.floor(random() * 3);
      for (let i = 0; i < edits; i += 1) {
        const at = Math.floor(random() * (text.length + 1));
        const cut = random() < 0.5 ? Math.floor(random() * 3) : 0;
        text = text.slice(0, at) + pick(pieces) + text.slice(at + cut);
      }
      return text;
    };
    let repeated = 0;
    for (let i = 0; i < 2_000; i += 1) {
      const report = pick(reports);
      const repeats = primed(report);
      const seq = random() < 0.3 ? value('11') : String(11 + Math.floor(random() * 1e6));
      const at = random() < 0.5 ? value('2026-12-01T09:05:00.000Z') : '2026-12-01T09:05:00.000Z';
      const clock = random() < 0.5 ? value('2026-12-01T09:05:00.000Z') : '2026-12-01T09:05:00.000Z';
      const frame = agentFrame(seq, report, clock, at);
      const answer = receive(repeats, frame);
      const full = parsedReport(frame);
      if (answer.repeated) {
        repeated += 1;
        expect(full, frame.toString().slice(0, 120)).not.toBeNull();
        expect(answer.message).toEqual(full!.message);
      } else {
        expect(answer.message).toEqual(full?.message ?? null);
      }
    }
    // The mutations leave many frames valid: the repeat must have answered for a good share of them.
    expect(repeated).toBeGreaterThan(500);
  });

  it('keeps a parsed report only for a connection that repeats its state, and lets it go when the connection falls quiet', () => {
    const report = reports[0]!;
    const at = (seq: number) => agentFrame(seq, report, '2026-12-01T09:00:00.000Z', `2026-12-01T10:00:${String(seq).padStart(2, '0')}.000Z`);
    // One report (a storm's first, an hourly resend): nothing parsed is kept, so the next is parsed too.
    const repeats = new RepeatedReports();
    expect(receive(repeats, at(1)).repeated).toBe(false);
    expect(receive(repeats, at(2)).repeated).toBe(false);
    expect(receive(repeats, at(3)).repeated).toBe(true);
    // A ping round after reports keeps the basis; the next with none since lets it go.
    repeats.idle();
    expect(receive(repeats, at(4)).repeated).toBe(true);
    repeats.idle();
    repeats.idle();
    expect(receive(repeats, at(5)).repeated).toBe(false);
    expect(receive(repeats, at(6)).repeated).toBe(false);
    expect(receive(repeats, at(7)).repeated).toBe(true);
  });
});
