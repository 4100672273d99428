// os.build: Windows 11, or Windows 10 new enough for the join the PC has or can reach (reference/windows.md
// §1: Microsoft's 1909 for Entra joined and 2004 for hybrid, stricter than the guide's 1903). A domain
// PC's only way forward is hybrid join, so it is held to hybrid's minimum, not Entra join's.
import type { Facts, JoinType } from '../../protocol/report.ts';
import { unavailable, undecided, verdict, type Verdict } from './verdict.ts';

export const MIN_BUILD_ENTRA = 18363; // Windows 10 1909
export const MIN_BUILD_HYBRID = 19041; // Windows 10 2004

const REACHES_HYBRID: readonly JoinType[] = ['hybrid', 'domain', 'drs'];

export function osBuild(facts: Facts): Verdict {
  const { os, join, sources } = facts;
  const evidence = {
    platform: os.platform,
    build: os.build,
    ubr: os.ubr,
    displayVersion: os.displayVersion,
    edition: os.edition,
    windows11: os.windows11,
    joinType: join.type,
  };
  if (sources.os.state === 'ok' && os.platform !== 'win32') {
    return verdict('fail', 'check.os.build.not-windows', evidence, { platform: os.platform }, 'fix.os.build.not-windows');
  }
  if (sources.registry.state !== 'ok') return unavailable('registry', sources.registry, evidence);
  if (os.build === null) return undecided('check.os.build.no-build', evidence, 'see-detail');

  const build = os.ubr === null ? String(os.build) : `${os.build}.${os.ubr}`;
  // Product names, the same in every language; the version is left out when the registry has none.
  const name = [os.windows11 ? 'Windows 11' : 'Windows 10', os.displayVersion].filter((s) => s !== null).join(' ');
  if (os.windows11) return verdict('pass', 'check.os.build.windows-11', evidence, { build, name });

  const hybrid = REACHES_HYBRID.includes(join.type);
  const required = hybrid ? MIN_BUILD_HYBRID : MIN_BUILD_ENTRA;
  const params = { build, name, required, requiredVersion: hybrid ? '2004' : '1909' };
  if (os.build >= required) return verdict('pass', 'check.os.build.windows-10', evidence, params);
  return verdict('fail', hybrid ? 'check.os.build.too-old-for-hybrid' : 'check.os.build.too-old-for-entra', evidence, params, 'fix.os.build.too-old');
}
