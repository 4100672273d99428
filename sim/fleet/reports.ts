// Schema-valid reports for collector tests, shaped like what the agent sends from a hybrid-joined
// Windows 11 PC with an ATKey.Pro (AAGUID and USB ids from shared/reference/atkey-aaguids.json).
// Every report is checked against the zod Report schema, so a fixture can never drift from the contract.
import { CHECKS, CHECK_IDS, type CheckId, type CheckStatus } from '../../protocol/checks.ts';
import { readinessOf, unknownOf } from '../../protocol/readiness.ts';
import { Report, REPORT_SCHEMA, type CheckResult, type Evidence, type KeyFacts } from '../../protocol/report.ts';

export const ATKEY_PRO: KeyFacts = {
  vendorId: 0x31bb,
  productId: 0x0622,
  product: 'ATKey.Pro-01C01F2D',
  aaguid: 'e1a96183-5016-4f24-b55b-e3ae23614cc6',
  model: 'ATKey.Pro CTAP2.0',
  isAtkey: true,
  versions: ['FIDO_2_0', 'FIDO_2_1_PRE', 'U2F_V2'],
  firmwareVersion: null,
  ctap2: true,
  pinSet: true,
  fingerprintEnrolled: true,
  uvConfigured: true,
  noMcGaPermissionsWithClientPin: null,
  sensor: { fingerprintKind: 1, maxCaptureSamplesRequiredForEnroll: 12, maxTemplateFriendlyName: 64 },
  access: 'ok',
  error: null,
};

export interface ReportOptions {
  hostname?: string;
  user?: string | null;
  uuid?: string | null;
  generatedAt?: Date;
  build?: number | null;
  joinType?: Report['facts']['join']['type'];
  /** Statuses to override; every other check passes. */
  statuses?: Partial<Record<CheckId, CheckStatus>>;
  /** The keys plugged in at report time (default: one enrolled ATKey.Pro). */
  keys?: KeyFacts[];
  /** As an agent before `unknown` and `layers` sent it: only `readiness`, `blocking` and the checks. */
  legacy?: boolean;
}

export function makeReport(options: ReportOptions = {}): Report {
  const hostname = options.hostname ?? 'PC-TOKYO-0001';
  const user = options.user === undefined ? 'taro.yamada@contoso.co.jp' : options.user;
  const keys = options.keys ?? [ATKEY_PRO];
  const checks: CheckResult[] = CHECK_IDS.map((id) => {
    const status = options.statuses?.[id] ?? 'pass';
    const evidence: Evidence = id === 'os.build' ? { build: options.build ?? 22631, ubr: 4317 } : { source: 'dsregcmd' };
    return {
      id,
      status,
      scope: CHECKS[id].scope,
      title: `check ${id}`,
      detail: `${id}: ${status}`,
      remediation: status === 'pass' ? null : `fix ${id}`,
      detailKey: `check.${id}.${status}`,
      remediationKey: status === 'pass' ? null : `check.${id}.fix`,
      params: {},
      evidence,
    };
  });
  return Report.parse({
    schema: REPORT_SCHEMA,
    generatedAt: (options.generatedAt ?? new Date('2026-11-20T09:00:00Z')).toISOString(),
    agentVersion: '0.1.0',
    lang: 'ja',
    device: {
      hostname,
      manufacturer: 'LENOVO',
      model: '21HD003QJP',
      serial: 'PF4ABCDE',
      uuid: options.uuid === undefined ? '4c4c4544-0042-3510-8052-b4c04f4e3432' : options.uuid,
      user,
    },
    ...verdictFields(checks, options.legacy === true),
    checks,
    facts: {
      sources: {
        dsregcmd: { state: 'ok', reason: null },
        registry: { state: 'ok', reason: null },
        os: { state: 'ok', reason: null },
        hid: { state: 'ok', reason: null },
        user: { state: 'ok', reason: null },
      },
      os: { platform: 'win32', build: options.build === undefined ? 22631 : options.build, ubr: 4317, displayVersion: '23H2', edition: 'Enterprise', windows11: true },
      join: {
        type: options.joinType ?? 'hybrid',
        azureAdJoined: true,
        enterpriseJoined: false,
        domainJoined: true,
        workplaceJoined: false,
        domainName: 'CONTOSO',
        tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        tenantName: 'Contoso',
        deviceId: 'a1b2c3d4-0000-4000-8000-000000000001',
        deviceAuthStatus: 'SUCCESS',
        prt: true,
        diagnostics: null,
      },
      sso: {
        context: 'user',
        user,
        observedAt: null,
        azureAdPrt: true,
        azureAdPrtUpdateTime: '2026-11-20 08:41:02.000 UTC',
        attemptStatus: null,
        serverErrorCode: null,
        serverErrorDescription: null,
        enterprisePrt: false,
        onPremTgt: true,
        cloudTgt: true,
        ngcSet: false,
      },
      policy: { useSecurityKeyForSignin: 1, enableFidoDeviceLogon: 1 },
      credentialProvider: { registered: true, disabled: false, excludedList: null, excluded: false, lastLoggedOnProvider: null },
      keys,
    },
  });
}

/** The verdict by the agent's own rule (protocol/readiness.ts); an old agent's report lacks the newer fields. */
function verdictFields(checks: readonly CheckResult[], legacy: boolean) {
  const { readiness, blocking, layers } = readinessOf(checks);
  return legacy ? { readiness, blocking } : { readiness, blocking, layers, unknown: unknownOf({ checks }) };
}
