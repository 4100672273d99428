// One rule for the key a report is about, used by the agent's checks and the collector's store: with
// an access-denied ATKey beside a readable key of another make, both must pick the readable key.
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../../agent/checks/index.ts';
import { planBatch, planInput } from '../../../collector/store/common/batch-plan.ts';
import { judgedKey, keyModelName } from '../../../protocol/keys.ts';
import type { KeyFacts } from '../../../protocol/report.ts';
import { ATKEY_PRO, makeReport } from '../../../sim/fleet/reports.ts';
import { deviceState } from '../../support/device-state.ts';

const DENIED_ATKEY: KeyFacts = {
  ...ATKEY_PRO,
  model: null,
  aaguid: null,
  pinSet: null,
  fingerprintEnrolled: null,
  uvConfigured: null,
  access: 'denied',
  error: 'access denied',
};
const OTHER_KEY: KeyFacts = {
  ...ATKEY_PRO,
  vendorId: 0x1050,
  productId: 0x0407,
  product: 'YubiKey OTP+FIDO+CCID',
  aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
  model: 'YubiKey 5 NFC',
  isAtkey: false,
  fingerprintEnrolled: null,
  pinSet: true,
};

const before = deviceState('pc-1');

describe('the judged key', () => {
  it('is a readable ATKey first, then any readable key, never an unreadable one', () => {
    expect(judgedKey([OTHER_KEY, ATKEY_PRO])).toBe(ATKEY_PRO);
    expect(judgedKey([DENIED_ATKEY, OTHER_KEY])).toBe(OTHER_KEY);
    expect(judgedKey([DENIED_ATKEY])).toBeUndefined();
    expect(judgedKey([])).toBeUndefined();
  });

  it('is the same key for the checks and for the store when an access-denied ATKey sits beside a readable key', () => {
    const report = makeReport({ keys: [DENIED_ATKEY, OTHER_KEY] });
    const judged = runCheck('key.pin', report.facts, 'en');
    expect(judged.evidence).toMatchObject({ model: 'YubiKey 5 NFC', aaguid: OTHER_KEY.aaguid, keys: 2 });

    const plan = planBatch([planInput({ deviceId: 'pc-1', seq: 0, receivedAt: new Date('2026-11-20T09:00:00Z'), dropped: 0, report })], new Map([['pc-1', before]]));
    expect(plan.updates[0]).toMatchObject({ keyModel: keyModelName(OTHER_KEY), keyPinSet: true, keyFingerprintEnrolled: null });
  });

  it('leaves the last key seen in place when no key could be read', () => {
    const seen = { ...before, keyModel: 'ATKey.Pro CTAP2.0', keyFingerprintEnrolled: true, keyPinSet: true, keySeenAt: 1 };
    const report = makeReport({ keys: [DENIED_ATKEY] });
    const plan = planBatch([planInput({ deviceId: 'pc-1', seq: 0, receivedAt: new Date('2026-11-20T09:00:00Z'), dropped: 0, report })], new Map([['pc-1', seen]]));
    expect(plan.updates[0]).toMatchObject({ keyModel: 'ATKey.Pro CTAP2.0', keyFingerprintEnrolled: true, keyPinSet: true, keySeenAt: 1 });
  });
});
