// The registry source — the one module that reads the Windows registry. It runs `reg query` on each
// key below in the 64-bit view and keeps the raw outputs; interpretRegistry turns them into facts.
// reg.exe rather than a native addon: nothing to compile or ship, and the same text is what a
// technician sees, so a bundle can be read by eye (README.md, "Agent").
import * as z from 'zod';
import { FIDO_PROVIDER_CLSID } from '../../protocol/credential-providers.ts';
import type { CredentialProviderFacts, OsFacts, PolicyFacts } from '../../protocol/report.ts';
import { runTool } from './run.ts';
import { type Capture, failed, jsonProbe, type Reason, SOURCE_OK, sourceState } from './source.ts';
import { interpretRegQuery, type RegData, type RegValue } from './registry/parse.ts';

const PROVIDERS = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Authentication';
/** Every key the agent reads; reference/windows.md §2, §3 and §5 say what each value means. */
export const REGISTRY_KEYS = {
  securityKeyPolicy: 'HKLM\\SOFTWARE\\Microsoft\\Policies\\PassportForWork\\SecurityKey',
  fidoPolicy: 'HKLM\\SOFTWARE\\Policies\\Microsoft\\FIDO',
  systemPolicy: 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System',
  fidoProvider: `${PROVIDERS}\\Credential Providers\\${FIDO_PROVIDER_CLSID}`,
  logonUi: `${PROVIDERS}\\LogonUI`,
  currentVersion: 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion',
} as const;
type KeyName = keyof typeof REGISTRY_KEYS;

const TIMEOUT_MS = 10_000;

export const RegQueryRaw = z.object({
  key: z.string(),
  exitCode: z.number().int(),
  stdout: z.string(),
  stderr: z.string(),
});
export const RegistryRaw = z.object({ queries: z.array(RegQueryRaw) });
export type RegistryRaw = z.infer<typeof RegistryRaw>;

export async function captureRegistry(platform: NodeJS.Platform = process.platform): Promise<Capture<RegistryRaw>> {
  if (platform !== 'win32') {
    return { state: sourceState('unsupported', { key: 'reason.registry.not-windows', params: { platform } }), raw: null };
  }
  // The keys are independent and reg.exe is light: query them side by side.
  const keys = Object.values(REGISTRY_KEYS);
  const results = await Promise.all(keys.map((key) => runTool('reg', ['query', key, '/reg:64'], TIMEOUT_MS)));
  const queries: RegistryRaw['queries'] = [];
  for (const [i, result] of results.entries()) {
    const key = keys[i] ?? '';
    if (result.kind === 'missing') return { state: sourceState('error', { key: 'reason.registry.no-reg', params: {} }), raw: null };
    if (result.kind === 'timeout') return { state: sourceState('error', failed(`reg query "${key}" timed out`)), raw: null };
    if (result.kind === 'failed') return { state: sourceState('error', failed(result.message)), raw: null };
    queries.push({ key, exitCode: result.exitCode, stdout: result.stdout.toString('utf8'), stderr: result.stderr.toString('utf8') });
  }
  return { state: SOURCE_OK, raw: { queries } };
}

export interface RegistryFacts {
  readonly policy: PolicyFacts;
  readonly credentialProvider: CredentialProviderFacts;
  readonly os: Pick<OsFacts, 'build' | 'ubr' | 'displayVersion' | 'edition' | 'windows11'>;
}

type KeyValues = { exists: boolean; values: RegValue[] };

export const WINDOWS_11_FIRST_BUILD = 22000;

export function interpretRegistry(raw: RegistryRaw): { ok: true; facts: RegistryFacts } | { ok: false; reason: Reason } {
  const keys = new Map<KeyName, KeyValues>();
  for (const [name, path] of Object.entries(REGISTRY_KEYS) as [KeyName, string][]) {
    const query = raw.queries.find((q) => q.key.toLowerCase() === path.toLowerCase());
    if (!query) return { ok: false, reason: { key: 'reason.failed', params: { message: `registry key ${path} was not queried` } } };
    const outcome = interpretRegQuery(query.exitCode, query.stdout, query.stderr);
    if (outcome.kind === 'error') return { ok: false, reason: { key: 'reason.failed', params: { message: `reg query "${path}": ${outcome.message}` } } };
    keys.set(name, outcome.kind === 'found' ? { exists: true, values: outcome.values } : { exists: false, values: [] });
  }
  const value = (key: KeyName, name: string): RegData | null =>
    keys.get(key)?.values.find((v) => v.name.toLowerCase() === name.toLowerCase())?.data ?? null;
  // A DWORD, or a number written as text (CurrentBuild is a REG_SZ); anything beyond 32 bits is no
  // value Windows writes here, and is read as unknown rather than as a number the report refuses.
  const num = (key: KeyName, name: string): number | null => {
    const data = value(key, name);
    const n = typeof data === 'number' ? data : typeof data === 'string' && /^\d{1,10}$/.test(data) ? Number(data) : null;
    return n !== null && n <= 0xffffffff ? n : null;
  };
  const str = (key: KeyName, name: string): string | null => {
    const data = value(key, name);
    return data === null || data === '' ? null : String(data);
  };

  // The report bounds these to 31 bits (a PostgreSQL INTEGER column).
  const build31 = (name: string): number | null => {
    const n = num('currentVersion', name);
    return n !== null && n <= 0x7fffffff ? n : null;
  };
  const excludedList = str('systemPolicy', 'ExcludedCredentialProviders');
  const build = build31('CurrentBuild');
  return {
    ok: true,
    facts: {
      policy: {
        useSecurityKeyForSignin: num('securityKeyPolicy', 'UseSecurityKeyForSignin'),
        enableFidoDeviceLogon: num('fidoPolicy', 'EnableFIDODeviceLogon'),
      },
      credentialProvider: {
        registered: keys.get('fidoProvider')?.exists ?? null,
        disabled: num('fidoProvider', 'Disabled') === 1,
        excludedList,
        excluded: excludedList !== null && excludedList.toUpperCase().includes(FIDO_PROVIDER_CLSID),
        lastLoggedOnProvider: str('logonUi', 'LastLoggedOnProvider'),
      },
      os: {
        build,
        ubr: build31('UBR'),
        displayVersion: str('currentVersion', 'DisplayVersion') ?? str('currentVersion', 'ReleaseId'),
        edition: str('currentVersion', 'EditionID'),
        windows11: build === null ? null : build >= WINDOWS_11_FIRST_BUILD,
      },
    },
  };
}

export const registryProbe = jsonProbe('registry.json', RegistryRaw);
