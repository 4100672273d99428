import { describe, expect, it } from 'vitest';
import type { DeviceRow } from '../../../../protocol/api.ts';
import { CSV_HEADER, csvCell, csvRow } from '../../../../collector/api/csv.ts';

describe('CSV export', () => {
  it('quotes separators, quotes and line breaks (RFC 4180)', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell(null)).toBe('');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(22631)).toBe('22631');
  });

  it('keeps formula-looking text as text in spreadsheets', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell(' =1+1')).toBe("' =1+1");
    expect(csvCell(';=1+1')).toBe("';=1+1");
    expect(csvCell('\uff1d1+1')).toBe("'\uff1d1+1");
    expect(csvCell('\uff20SUM(A1)')).toBe("'\uff20SUM(A1)");
    expect(csvCell('\n=1+1')).toBe("'\ufffd=1+1");
    expect(csvCell('\tcmd')).toBe("'\ufffdcmd");
  });

  it('makes control characters and bidi overrides visible', () => {
    expect(csvCell('PC-1\u202Eexe.txt')).toBe('PC-1\ufffdexe.txt');
    expect(csvCell('two\nlines')).toBe('two\ufffdlines');
    expect(csvCell('bell\u0007\u2066x\u2069')).toBe('bell\ufffd\ufffdx\ufffd');
  });

  it('renders a device row under the header, one CRLF line', () => {
    const row: DeviceRow = {
      deviceId: 'd1',
      hostname: '=evil',
      user: 'CONTOSO\\alice',
      tags: { site: 'Tokyo, 3F' },
      agentVersion: '0.1.0',
      readiness: 'not-ready',
      blocking: ['key.fingerprint', 'sso.prt'],
      failing: ['key.fingerprint', 'sso.prt'],
      unknown: ['policy.security-key'],
      layers: { device: 'unknown', key: 'not-ready', user: 'not-ready' },
      keyRemembered: true,
      online: false,
      firstSeen: '2026-11-01T00:00:00.000Z',
      lastSeen: '2026-11-02T00:00:00.000Z',
      lastReport: null,
      osBuild: 22631,
      joinType: 'entra',
      keyModel: 'ATKey.Pro',
      keyFingerprintEnrolled: false,
      keyPinSet: true,
      keySeenAt: null,
    };
    expect(CSV_HEADER.split(',')[0]).toBe('\uFEFFdeviceId');
    const line = csvRow(row);
    expect(line.endsWith('\r\n')).toBe(true);
    expect(line).toContain("d1,'=evil,CONTOSO\\alice,not-ready,unknown,not-ready,true,not-ready,key.fingerprint sso.prt,key.fingerprint sso.prt,policy.security-key,");
    expect(line).toContain('"site=Tokyo, 3F"');
    expect(line.split(',').length).toBeGreaterThanOrEqual(CSV_HEADER.split(',').length);
  });
});
