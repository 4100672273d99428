// A Windows PC as the agent would capture it, built from a real dsregcmd capture plus registry, OS
// and key values. Windows cannot run here, so the registry/os parts are hand-written data in the
// shapes reg.exe and systeminformation produce; the dsregcmd text is always real, and the hid part
// holds the getInfo bytes the virtual authenticator answers (sim/authenticator/).
import type { Captures } from '../../agent/report/bundle.ts';
import { REGISTRY_KEYS } from '../../agent/probes/registry.ts';
import { FIDO_PROVIDER_CLSID } from '../../protocol/credential-providers.ts';
import { SOURCE_OK, sourceState } from '../../agent/probes/source.ts';
import type { AuthenticatorConfig } from '../authenticator/authenticator.ts';
import { hidCaptureOf } from '../authenticator/capture.ts';
import { ATKEY_MODEL_PROFILES, atkeyConfig } from '../authenticator/profiles.ts';
import { ATKEY_PRO } from './reports.ts';
import { dsregcmdCapture } from './captures.ts';
import { registryRaw, type RegSpec } from './reg-text.ts';

export const ENTRA_CAPTURE = '01_entra-joined_win10-19041_prt-yes_FULL.txt';

export type RegistrySpec = Partial<Record<keyof typeof REGISTRY_KEYS, RegSpec | null>>;

/** A PC with security-key sign-in turned on by Intune and the provider in place, Windows 10 22H2. */
export const READY_REGISTRY: Required<RegistrySpec> = {
  securityKeyPolicy: { UseSecurityKeyForSignin: 1 },
  fidoPolicy: null,
  systemPolicy: { EnableLUA: 1, ConsentPromptBehaviorAdmin: 5 },
  fidoProvider: { '(Default)': 'FIDO Credential Provider' },
  logonUi: { LastLoggedOnUser: 'AzureAD\\INEUser', LastLoggedOnProvider: '{60b78e88-ead8-445c-9cfd-0b87f74ea6cd}' },
  currentVersion: { CurrentBuild: '19045', UBR: 5371, DisplayVersion: '22H2', ReleaseId: '2009', EditionID: 'Enterprise' },
};

export interface PcSpec {
  /** A capture's file name, or dsregcmd text itself (multi-line). */
  dsregcmd?: string;
  registry?: RegistrySpec;
  /** The keys plugged in (default: an ATKey.Pro with PIN and fingerprint); null = keys not scanned. */
  keys?: AuthenticatorConfig[] | null;
}

/** An ATKey.Pro (CTAP2.0 AAGUID) with a PIN and a fingerprint enrolled. */
export const ATKEY_PRO_CONFIG = atkeyConfig(ATKEY_MODEL_PROFILES[0]!, 'both');

export function pcCaptures(spec: PcSpec = {}): Captures {
  const registry = { ...READY_REGISTRY, ...spec.registry };
  const keys: Record<string, RegSpec | null> = {};
  for (const [name, values] of Object.entries(registry)) keys[REGISTRY_KEYS[name as keyof typeof REGISTRY_KEYS]] = values;
  return {
    dsregcmd: { state: SOURCE_OK, raw: spec.dsregcmd?.includes('\n') ? spec.dsregcmd : dsregcmdCapture(spec.dsregcmd ?? ENTRA_CAPTURE) },
    registry: { state: SOURCE_OK, raw: registryRaw(keys) },
    os: {
      state: SOURCE_OK,
      raw: {
        hostname: 'WIN10-CLIENT',
        platform: 'win32',
        release: '10.0.19045',
        inventory: { manufacturer: 'LENOVO', model: '20XW0055JP', serial: 'PF3ABC12', uuid: '4c4c4544-0042-3510-8051-b4c04f4e4d32' },
        inventoryNote: null,
      },
    },
    hid: spec.keys === null ? { state: sourceState('not-collected', { key: 'reason.hid.not-scanned', params: {} }), raw: null } : { state: SOURCE_OK, raw: hidCaptureOf((spec.keys ?? [ATKEY_PRO_CONFIG]).map((config) => ({ config }))) },
  };
}

export { ATKEY_PRO, FIDO_PROVIDER_CLSID };
