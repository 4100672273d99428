// join.device-auth: DeviceAuthStatus FAILED means the device object is disabled or deleted in Entra ID.
// A paste without the Device Details section says nothing about the Windows version: it was cut short.
import type { Facts } from '../../protocol/report.ts';
import { unavailable, undecided, verdict, type Verdict } from './verdict.ts';

export function joinDeviceAuth(facts: Facts): Verdict {
  const { join, sources } = facts;
  const evidence = { DeviceAuthStatus: join.deviceAuthStatus, DeviceId: join.deviceId, joinType: join.type };
  if (sources.dsregcmd.state !== 'ok') return unavailable('dsregcmd', sources.dsregcmd, evidence);
  if (join.type !== 'entra' && join.type !== 'hybrid' && join.type !== 'unknown') {
    return verdict('skip', 'check.join.device-auth.not-joined', evidence);
  }
  const status = join.deviceAuthStatus;
  if (status === null && join.deviceId === null) return undecided('check.join.device-auth.no-details', evidence, 'full-dsregcmd');
  if (status === null) return undecided('check.join.device-auth.absent', evidence, 'see-detail');
  if (/^SUCCESS\b/i.test(status)) return verdict('pass', 'check.join.device-auth.success', evidence);
  if (/^FAILED\b/i.test(status)) return verdict('fail', 'check.join.device-auth.failed', evidence, { status }, 'fix.join.device-auth');
  return undecided('check.join.device-auth.other', evidence, 'see-detail', { status });
}
