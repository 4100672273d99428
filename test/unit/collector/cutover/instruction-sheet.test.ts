import { describe, expect, it } from 'vitest';
import { instructionSheet } from '../../../../collector/cutover/instruction-sheet.ts';
import type { DeviceRow } from '../../../../protocol/api.ts';

function row(hostname: string, change: Partial<DeviceRow> = {}): DeviceRow {
  return {
    deviceId: `id-${hostname}`, hostname, user: 'aoki@contoso.co.jp', tags: {}, agentVersion: '0.1.0', readiness: 'ready', blocking: [], failing: [], unknown: [],
    layers: { device: 'ready', key: 'ready', user: 'unknown' }, keyRemembered: false, online: true, firstSeen: '2026-11-30T00:00:00Z', lastSeen: '2026-11-30T00:00:00Z',
    lastReport: '2026-11-30T00:00:00Z', osBuild: 22631, joinType: 'entra', keyModel: 'ATKey.Pro CTAP2.0', keyFingerprintEnrolled: true, keyPinSet: true, keySeenAt: null,
    ...change,
  };
}
const noFingerprint: Partial<DeviceRow> = { readiness: 'not-ready', failing: ['key.fingerprint'], blocking: ['key.fingerprint'], layers: { device: 'ready', key: 'not-ready', user: 'unknown' } };

describe('instruction sheets: exactly what the user still lacks', () => {
  it('asks a user whose key has no fingerprint to enrol it on the key, register it and sign in, in the guide’s order', () => {
    const sheet = instructionSheet('en', 'aoki@contoso.co.jp', [row('TKY-002', noFingerprint)], 'unknown');
    expect(sheet.steps.map((s) => [s.kind, s.guideStep])).toEqual([['fingerprint', 2], ['register', 3], ['signin', 4]]);
    expect(sheet.text).toContain('Press the button on its side 3 times: the LED flashes white');
    expect(sheet.text).toContain('about 12 times');
    expect(sheet.text).toContain('https://aka.ms/mysecurityinfo');
    expect(sheet.text).toMatch(/3\. Sign in with the ATKey \(guide step 4\)/);
    expect(sheet.text).not.toMatch(/PIN > Add/);
    expect(sheet.done).toBe(false);
  });

  it('never asks for a PIN when the fingerprint is missing too (enrolling it on the key alone is enough)', () => {
    const nothing = instructionSheet('ja', 'aoki', [row('OSA-002', { ...noFingerprint, failing: ['key.fingerprint', 'key.pin'] })], 'unknown');
    expect(nothing.steps.map((s) => s.kind)).toEqual(['fingerprint', 'register', 'signin']);
    expect(nothing.text).toContain('側面のボタンを 3 回押すと LED が白く点滅します');
    const pinOnly = instructionSheet('en', 'aoki', [row('OSA-003', { readiness: 'not-ready', failing: ['key.pin'], layers: { device: 'ready', key: 'not-ready', user: 'unknown' } })], 'unknown');
    expect(pinOnly.steps.map((s) => s.kind)).toEqual(['pin', 'register', 'signin']);
  });

  it('leaves out what the user cannot do: a PC the IT team still prepares is a note, not a step', () => {
    const sheet = instructionSheet('en', 'chiba', [row('TKY-003', { readiness: 'not-ready', failing: ['policy.security-key'], layers: { device: 'not-ready', key: 'ready', user: 'unknown' } })], 'unknown');
    expect(sheet.steps.map((s) => s.kind)).toEqual(['register']);
    expect(sheet.notes).toEqual(['Do not use the ATKey on TKY-003 yet: your IT team is still preparing it and will tell you when it is ready.']);
    expect(sheet.text).not.toMatch(/policy|Intune|gpupdate/i);
  });

  it('asks for the registration plainly when Entra says the key is not registered, hedged while it cannot tell', () => {
    const known = instructionSheet('en', 'doi', [row('OSA-001')], 'no');
    const unknown = instructionSheet('en', 'doi', [row('OSA-001')], 'unknown');
    expect(known.steps.map((s) => s.kind)).toEqual(['register', 'signin']);
    expect(unknown.steps.map((s) => s.kind)).toEqual(['register', 'signin']);
    expect(known.steps[0]!.lines.length).toBe(1);
    expect(unknown.steps[0]!.lines.length).toBe(2);
  });

  it('has nothing to do for a ready user whose key is registered', () => {
    const sheet = instructionSheet('en', 'doi', [row('OSA-001')], 'yes');
    expect(sheet.steps).toEqual([]);
    expect(sheet.done).toBe(true);
    expect(sheet.text).toContain('Nothing to do: you can already sign in with your ATKey.');
  });
});
