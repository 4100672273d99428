// A schema-valid report of an Entra-joined PC with no key plugged in (as the agent's engine builds
// one), for tests of the parts that carry reports without judging them: outbox, link, scheduler.
import { REPORT_SCHEMA, Report } from '../../protocol/report.ts';

const ok = { state: 'ok', reason: null } as const;

export function sampleReport(hostname = 'PC-0001', build = 22631): Report {
  return Report.parse({
    schema: REPORT_SCHEMA,
    generatedAt: new Date().toISOString(),
    agentVersion: '0.1.0',
    lang: 'en',
    device: { hostname, manufacturer: 'LENOVO', model: '21HD', serial: 'PF4ABCDE', uuid: null, user: null },
    readiness: 'ready',
    blocking: [],
    checks: [],
    facts: {
      sources: { dsregcmd: ok, registry: ok, os: ok, hid: ok, user: { state: 'not-collected', reason: 'no user session seen' } },
      os: { platform: 'win32', build, ubr: 4460, displayVersion: '23H2', edition: 'Enterprise', windows11: true },
      join: {
        type: 'entra',
        azureAdJoined: true,
        enterpriseJoined: false,
        domainJoined: false,
        workplaceJoined: false,
        domainName: null,
        tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        tenantName: 'Contoso',
        deviceId: '3b5c8c0a-6a39-4f3b-9a43-8f2a0e1c9d11',
        deviceAuthStatus: 'SUCCESS',
        prt: true,
        diagnostics: null,
      },
      sso: {
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
      },
      policy: { useSecurityKeyForSignin: 1, enableFidoDeviceLogon: null },
      credentialProvider: { registered: true, disabled: false, excludedList: null, excluded: false, lastLoggedOnProvider: null },
      keys: [],
    },
  });
}
