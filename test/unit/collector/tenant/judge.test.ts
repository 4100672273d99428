// What the tenant judge stores per PC from the join's answer: the layers the blockers hold back (the
// users view's "held back by") and whether the PC's key is registered to its user in Entra.
import { describe, expect, it } from 'vitest';
import { judgementOf } from '../../../../collector/tenant/judge.ts';
import { joinPc, prepare } from '../../../../collector/tenant/join.ts';
import { LAYER_BIT } from '../../../../collector/store/common/users.ts';
import { ATKEY_CARD, NOW, fido2Config, pc as pcFacts, snapshot } from '../../../../sim/graph/snapshots.ts';

const pc = { deviceId: 'pc-1', reportHash: 'h1' };

describe('tenant judgement stored per PC', () => {
  it('a ready PC: nothing holds it back and its key is registered', () => {
    const j = judgementOf(pc, joinPc(pcFacts(), prepare(snapshot()), NOW), true);
    expect(j).toMatchObject({ overall: expect.stringMatching(/^ready-/), blocking: [], layers: 0, keyRegistered: true });
  });

  it('the method turned off holds back the tenant layer; the key registration stays known', () => {
    const j = judgementOf(pc, joinPc(pcFacts(), prepare(snapshot({ fido2: fido2Config({ state: 'disabled' }) })), NOW), true);
    expect(j.blocking).toEqual(['fido2-method-disabled']);
    expect(j.layers).toBe(LAYER_BIT.tenant);
  });

  it('a key the user never registered holds back the key layer and reads "not registered"', () => {
    const other = pcFacts({ key: { aaguid: ATKEY_CARD, model: 'ATKey.Card', uvReady: true } });
    const j = judgementOf(pc, joinPc(other, prepare(snapshot({ fido2: fido2Config({ passkeyProfiles: null, keyRestrictions: null }) })), NOW), true);
    expect(j.blocking).toContain('plugged-key-not-registered');
    expect(j.layers & LAYER_BIT.key).toBe(LAYER_BIT.key);
    expect(j.keyRegistered).toBe(false);
  });

  it('no key ever seen on the PC: registration unknown', () => {
    expect(judgementOf(pc, joinPc(pcFacts({ key: null }), prepare(snapshot()), NOW), false).keyRegistered).toBeNull();
  });
});
