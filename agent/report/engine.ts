// The agent's engine, shared by `check`, `collect` and the service mode (`run`):
//   captureSources(options)  -> raw outputs of every probe (live, a bundle, or one dsregcmd file)
//   factsFromCaptures(...)   -> facts + device identity (pure)
//   gatherFacts(options)     -> both of the above
//   buildReport(facts, ...)  -> the report JSON (protocol/report.ts), validated by its schema
import { REPORT_SCHEMA, Report, type DeviceIdentity, type Facts, type Lang, type SourceState } from '../../protocol/report.ts';
import { readinessOf, runChecks } from '../checks/index.ts';
import { captureDsregcmd, interpretDsregcmd } from '../probes/dsregcmd.ts';
import { captureHid, interpretHid, type HidRaw } from '../probes/hid.ts';
import { captureOs } from '../probes/os.ts';
import { captureRegistry, interpretRegistry } from '../probes/registry.ts';
import { readTextFile, readTextStream } from '../probes/text.ts';
import { SOURCE_OK, sourceState, type Capture } from '../probes/source.ts';
import { AgentError } from '../errors.ts';
import { readBundle, type Captures } from './bundle.ts';

export type SourceOptions =
  /**
   * `hidUdp`: HOST:PORT when CTAPHID goes over UDP instead of USB (--hid-udp). `keys`: the capture of
   * a key watcher that already owns the devices (service mode), used instead of a second scan.
   */
  | { readonly kind: 'live'; readonly hidUdp?: string | null; readonly keys?: () => Capture<HidRaw> }
  | { readonly kind: 'bundle'; readonly dir: string }
  /** A saved `dsregcmd /status` text, e.g. pasted by a user; every other source is "not collected". `-` is standard input. */
  | { readonly kind: 'dsregcmd-file'; readonly file: string };

/** The `--dsregcmd` value that means "read the paste from standard input". */
export const STDIN = '-';

export interface Gathered {
  readonly facts: Facts;
  readonly device: DeviceIdentity;
  /** Every probe's raw output: what `collect` saves as a bundle. */
  readonly raw: Captures;
  readonly collectedAt: string;
}

function notCollected<Raw>(): Capture<Raw> {
  return { state: sourceState('not-collected', { key: 'reason.dsregcmd-file-only', params: {} }), raw: null };
}

export async function captureSources(options: SourceOptions, now: Date = new Date()): Promise<{ captures: Captures; collectedAt: string }> {
  switch (options.kind) {
    case 'live': {
      // One after the other: dsregcmd and systeminformation each spawn processes; the PC comes first.
      const dsregcmd = await captureDsregcmd();
      const registry = await captureRegistry();
      const os = await captureOs();
      const hid = options.keys ? options.keys() : await captureHid({ udp: options.hidUdp ?? null });
      return { captures: { dsregcmd, registry, os, hid }, collectedAt: now.toISOString() };
    }
    case 'bundle': {
      const { manifest, captures } = await readBundle(options.dir);
      return { captures, collectedAt: manifest.collectedAt };
    }
    case 'dsregcmd-file': {
      // The file is the whole input here, so an unusable one is the user's error (exit 2), not an unknown.
      const text = options.file === STDIN ? await readTextStream(process.stdin, '<stdin>') : await readTextFile(options.file);
      if (!text.ok) throw new AgentError(text.reason);
      const parsed = interpretDsregcmd(text.text);
      if (!parsed.ok) throw new AgentError(parsed.reason);
      return {
        captures: { dsregcmd: { state: SOURCE_OK, raw: text.text }, registry: notCollected(), os: notCollected(), hid: notCollected() },
        collectedAt: now.toISOString(),
      };
    }
  }
}

const UNKNOWN_JOIN: Facts['join'] = {
  type: 'unknown',
  azureAdJoined: null,
  enterpriseJoined: null,
  domainJoined: null,
  workplaceJoined: null,
  domainName: null,
  tenantId: null,
  tenantName: null,
  deviceId: null,
  deviceAuthStatus: null,
  prt: null,
  diagnostics: null,
};
const UNKNOWN_SSO: Facts['sso'] = {
  context: 'unknown',
  user: null,
  observedAt: null,
  azureAdPrt: null,
  azureAdPrtUpdateTime: null,
  attemptStatus: null,
  serverErrorCode: null,
  serverErrorDescription: null,
  enterprisePrt: null,
  onPremTgt: null,
  cloudTgt: null,
  ngcSet: null,
};

/** Pure: the same captures give the same facts, which is what makes a bundle replay exact. */
export function factsFromCaptures(captures: Captures, collectedAt: string): { facts: Facts; device: DeviceIdentity } {
  let dsregcmdState: SourceState = captures.dsregcmd.state;
  let join = UNKNOWN_JOIN;
  let sso = UNKNOWN_SSO;
  let deviceName: string | null = null;
  if (captures.dsregcmd.raw !== null) {
    const derived = interpretDsregcmd(captures.dsregcmd.raw);
    if (derived.ok) {
      ({ join, deviceName } = derived);
      sso = { ...derived.sso, observedAt: collectedAt };
    } else {
      dsregcmdState = sourceState('error', derived.reason);
    }
  }

  let registryState: SourceState = captures.registry.state;
  const registry = captures.registry.raw === null ? null : interpretRegistry(captures.registry.raw);
  if (registry && !registry.ok) registryState = sourceState('error', registry.reason);
  const fromRegistry = registry?.ok ? registry.facts : null;

  const os = captures.os.raw;
  const userState: SourceState =
    dsregcmdState.state !== 'ok'
      ? sourceState('not-collected', { key: 'reason.user.no-dsregcmd', params: {} })
      : sso.context === 'system'
        ? sourceState('not-collected', { key: 'reason.user.system-context', params: {} })
        : SOURCE_OK;

  const facts: Facts = {
    sources: { dsregcmd: dsregcmdState, registry: registryState, os: captures.os.state, hid: captures.hid.state, user: userState },
    os: {
      platform: os?.platform ?? 'unknown',
      build: fromRegistry?.os.build ?? null,
      ubr: fromRegistry?.os.ubr ?? null,
      displayVersion: fromRegistry?.os.displayVersion ?? null,
      edition: fromRegistry?.os.edition ?? null,
      windows11: fromRegistry?.os.windows11 ?? null,
    },
    join,
    sso,
    policy: fromRegistry?.policy ?? { useSecurityKeyForSignin: null, enableFidoDeviceLogon: null },
    credentialProvider: fromRegistry?.credentialProvider ?? {
      registered: null,
      disabled: null,
      excludedList: null,
      excluded: null,
      lastLoggedOnProvider: null,
    },
    keys: captures.hid.raw === null ? [] : interpretHid(captures.hid.raw),
  };
  const device: DeviceIdentity = {
    hostname: os?.hostname ?? deviceName ?? 'unknown',
    manufacturer: os?.inventory?.manufacturer ?? null,
    model: os?.inventory?.model ?? null,
    serial: os?.inventory?.serial ?? null,
    uuid: os?.inventory?.uuid ?? null,
    user: sso.user,
  };
  return { facts, device };
}

export async function gatherFacts(options: SourceOptions, now: Date = new Date()): Promise<Gathered> {
  const { captures, collectedAt } = await captureSources(options, now);
  return { ...factsFromCaptures(captures, collectedAt), raw: captures, collectedAt };
}

export interface ReportOptions {
  readonly lang: Lang;
  readonly agentVersion: string;
  readonly device: DeviceIdentity;
  readonly now: Date;
}

export function buildReport(facts: Facts, options: ReportOptions): Report {
  const { checks, unknown } = runChecks(facts, options.lang);
  return Report.parse({
    schema: REPORT_SCHEMA,
    generatedAt: options.now.toISOString(),
    agentVersion: options.agentVersion,
    lang: options.lang,
    device: options.device,
    ...readinessOf(checks),
    unknown,
    checks,
    facts,
  });
}
