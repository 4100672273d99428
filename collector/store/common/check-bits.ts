// Blocking and failing checks are kept per device as bit masks: one integer column each, so a check
// filter is one AND per row and the summary's "devices per blocking check" is a GROUP BY over a
// handful of distinct masks instead of a join. The bit of each check is fixed here, independent of
// the catalogue's display order, because stored masks must keep their meaning when the catalogue is
// reordered; a new check takes the next free bit.
import { CHECK_IDS, type CheckId } from '../../../protocol/checks.ts';

export const CHECK_BITS: Readonly<Record<CheckId, number>> = {
  'os.build': 0,
  'join.state': 1,
  'join.device-auth': 2,
  'sso.prt': 3,
  'policy.security-key': 4,
  'credprov.fido': 5,
  'hybrid.cloud-kerberos': 6,
  'signin.last-provider': 7,
  'key.present': 8,
  'key.fingerprint': 9,
  'key.pin': 10,
};

export function checkMask(ids: Iterable<CheckId>): number {
  let mask = 0;
  for (const id of ids) mask |= 1 << CHECK_BITS[id];
  return mask;
}

/** The checks in a mask, in catalogue order (the order reports list them in). */
export function checksInMask(mask: number): CheckId[] {
  return CHECK_IDS.filter((id) => (mask & (1 << CHECK_BITS[id])) !== 0);
}
