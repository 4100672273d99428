// getInfo configurations for the virtual authenticator. Only the ATKey.Pro statement is published
// (reference/fido.md §3, FIDO MDS); the other ATKey models reuse its shape with their own AAGUID and
// versions, in each enrollment state the guide's step 2 can leave a key in. Non-ATKey profiles use
// AAGUIDs that are clearly synthetic (no real product claims them).
import type { AuthenticatorConfig, GetInfoSpec, SensorSpec } from './authenticator.ts';

const ES256 = { type: 'public-key', alg: -7 } as const;
const EDDSA = { type: 'public-key', alg: -8 } as const;

/** About 12 touches enroll a finger on an ATKey (customer guide, step 2b); the other values are ours. */
export const ATKEY_SENSOR: SensorSpec = {
  fingerprintKind: 1,
  maxCaptureSamplesRequiredForEnroll: 12,
  maxTemplateFriendlyName: 32,
};

/** The published ATKey.Pro getInfo (FIDO MDS statement, reference/fido.md §3), exactly. */
export const ATKEY_PRO_PUBLISHED: GetInfoSpec = {
  versions: ['U2F_V2', 'FIDO_2_0', 'FIDO_2_1_PRE'],
  extensions: ['credBlob', 'credProtect', 'hmac-secret'],
  aaguid: 'e1a96183-5016-4f24-b55b-e3ae23614cc6',
  options: {
    uv: true,
    userVerificationMgmtPreview: true,
    credMgmt: true,
    uvBioEnroll: true,
    rk: true,
    plat: false,
    clientPin: false,
    up: true,
    bioEnroll: true,
    credentialMgmtPreview: true,
  },
  maxMsgSize: 2048,
  pinUvAuthProtocols: [1],
  transports: ['usb'],
  algorithms: [ES256, EDDSA],
  firmwareVersion: 10013,
};

export const ENROLLMENT_STATES = ['nothing', 'pin-only', 'fingerprint-only', 'both'] as const;
export type EnrollmentState = (typeof ENROLLMENT_STATES)[number];

const STATE_OPTIONS: Record<EnrollmentState, { clientPin: boolean; fingerprint: boolean }> = {
  nothing: { clientPin: false, fingerprint: false },
  'pin-only': { clientPin: true, fingerprint: false },
  // Standalone enrollment on the key (side button three times), no PIN: a real ATKey state.
  'fingerprint-only': { clientPin: false, fingerprint: true },
  both: { clientPin: true, fingerprint: true },
};

export interface AtkeyModelProfile {
  readonly name: string;
  readonly aaguid: string;
  /** CTAP 2.0-era firmware announces FIDO_2_1_PRE and the preview option next to bioEnroll. */
  readonly preview: boolean;
  readonly noMcGaPermissionsWithClientPin: boolean;
}

export const ATKEY_MODEL_PROFILES: readonly AtkeyModelProfile[] = [
  { name: 'ATKey.Pro CTAP2.0', aaguid: 'e1a96183-5016-4f24-b55b-e3ae23614cc6', preview: true, noMcGaPermissionsWithClientPin: false },
  { name: 'ATKey.Pro CTAP2.1', aaguid: 'e416201b-afeb-41ca-a03d-2281c28322aa', preview: false, noMcGaPermissionsWithClientPin: false },
  { name: 'ATKey.ProS', aaguid: 'ba76a271-6eb6-4171-874d-b6428dbe3437', preview: false, noMcGaPermissionsWithClientPin: false },
  { name: 'ATKey.Card CTAP2.0', aaguid: 'd41f5a69-b817-4144-a13c-9ebd6d9254d6', preview: true, noMcGaPermissionsWithClientPin: false },
  // Reported to set noMcGaPermissionsWithClientPin (atkey-aaguids.json notes).
  { name: 'ATKey.Card NFC', aaguid: 'da1fa263-8b25-42b6-a820-c0036f21ba7f', preview: false, noMcGaPermissionsWithClientPin: true },
];

export function atkeyGetInfo(model: AtkeyModelProfile, state: EnrollmentState): GetInfoSpec {
  const { clientPin, fingerprint } = STATE_OPTIONS[state];
  const { userVerificationMgmtPreview: _preview, ...published } = ATKEY_PRO_PUBLISHED.options ?? {};
  return {
    ...ATKEY_PRO_PUBLISHED,
    aaguid: model.aaguid,
    versions: model.preview ? ['U2F_V2', 'FIDO_2_0', 'FIDO_2_1_PRE'] : ['U2F_V2', 'FIDO_2_0', 'FIDO_2_1'],
    options: {
      ...published,
      clientPin,
      uv: fingerprint,
      bioEnroll: fingerprint,
      ...(model.preview ? { userVerificationMgmtPreview: fingerprint } : {}),
      ...(model.noMcGaPermissionsWithClientPin ? { noMcGaPermissionsWithClientPin: true } : {}),
    },
    uvModality: 0x02,
  };
}

/** A CTAP 2.1 fingerprint key that announces only bioEnroll (getFingerprintSensorInfo is 0x09). */
export const CTAP21_BIO_KEY: GetInfoSpec = {
  versions: ['FIDO_2_0', 'FIDO_2_1'],
  aaguid: '00000000-0000-4000-8000-0000000021b1',
  options: { rk: true, up: true, uv: true, plat: false, clientPin: true, bioEnroll: true },
  maxMsgSize: 1200,
  pinUvAuthProtocols: [2, 1],
  transports: ['usb'],
  algorithms: [ES256],
  firmwareVersion: 0x050400,
};

/** A CTAP 2.1-PRE fingerprint key with only userVerificationMgmtPreview (sensor info is 0x40). */
export const PREVIEW_BIO_KEY: GetInfoSpec = {
  versions: ['U2F_V2', 'FIDO_2_0', 'FIDO_2_1_PRE'],
  aaguid: '00000000-0000-4000-8000-0000000021e0',
  options: { rk: true, up: true, uv: false, plat: false, clientPin: false, userVerificationMgmtPreview: false },
  maxMsgSize: 1200,
  pinUvAuthProtocols: [1],
  firmwareVersion: 7,
};

/** A PIN-only FIDO2 key from another vendor: still reported, model unknown. */
export const OTHER_VENDOR_KEY: GetInfoSpec = {
  versions: ['U2F_V2', 'FIDO_2_0', 'FIDO_2_1_PRE'],
  extensions: ['credProtect', 'hmac-secret'],
  aaguid: '00000000-0000-4000-8000-00000000f1d0',
  options: { rk: true, up: true, plat: false, clientPin: true, credentialMgmtPreview: true },
  maxMsgSize: 1200,
  pinUvAuthProtocols: [1],
};

export function atkeyConfig(model: AtkeyModelProfile, state: EnrollmentState): AuthenticatorConfig {
  return { getInfo: atkeyGetInfo(model, state), sensor: ATKEY_SENSOR };
}

export const U2F_ONLY: AuthenticatorConfig = { getInfo: null };
