// What the dashboard shows of a device-supplied name: every API answer it reads is parsed by
// protocol/api.ts, whose DeviceRow makes controls and bidi overrides visible (issue 11).
import { describe, expect, it } from 'vitest';
import { DeviceRow } from '../../../protocol/api.ts';
import { displayText } from '../../../protocol/display-text.ts';

describe('displayText', () => {
  it('replaces controls and bidi overrides by U+FFFD and leaves other text alone', () => {
    expect(displayText('PC-1\u202Eexe.txt')).toBe('PC-1\ufffdexe.txt');
    expect(displayText('a\u0000b\u001bc\u0085d\u200Fe\u2067f')).toBe('a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf');
    expect(displayText('東京-PC 01 (営業)')).toBe('東京-PC 01 (営業)');
  });

  it('is applied to the names of every device row the dashboard parses', () => {
    const row = DeviceRow.parse({
      deviceId: 'd1', hostname: 'PC\u202E1', user: 'alice\u0007', tags: { 'site\u202E': 'Osaka\u2066' }, agentVersion: '0.1.0',
      readiness: 'ready', blocking: [], failing: [], unknown: [], layers: { device: 'ready', key: 'ready', user: 'unknown' }, keyRemembered: false, online: true, firstSeen: 'x', lastSeen: 'x', lastReport: null, osBuild: null,
      joinType: null, keyModel: 'ATKey\u202E', keyFingerprintEnrolled: null, keyPinSet: null, keySeenAt: null,
    });
    expect([row.hostname, row.user, row.keyModel, Object.entries(row.tags)]).toEqual(['PC\ufffd1', 'alice\ufffd', 'ATKey\ufffd', [['site\ufffd', 'Osaka\ufffd']]]);
  });
});
