// A device row as the store's batch planner reads it, for tests of planBatch: a device that has
// enrolled and sent nothing yet, with the fields a test cares about overridden.
import type { DeviceState } from '../../collector/store/common/device-state.ts';

export function deviceState(id: string, overrides: Partial<DeviceState> = {}): DeviceState {
  return {
    id,
    lastSeq: -1,
    lastSeen: 0,
    readiness: 'unknown',
    checks: {},
    user: null,
    keyModel: null,
    keyFingerprintEnrolled: null,
    keyPinSet: null,
    keySeenAt: null,
    keyChecks: null,
    reportHash: null,
    ...overrides,
  };
}
