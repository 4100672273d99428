// The one report shape: printed by `check --json`, carried on the wire, kept by the store and shown
// by the dashboard. Changing it is a contract change: bump REPORT_SCHEMA and say so in README.md.
import * as z from 'zod';
import { ACTORS, CHECK_IDS, CHECK_SCOPES, CHECK_STATUSES, COLLECT_WAYS } from './checks.ts';

export const REPORT_SCHEMA = 'keyready.report/1';
export const LANGS = ['en', 'ja'] as const;
export type Lang = (typeof LANGS)[number];

/**
 * Every string and collection is bounded: a report is device-supplied input, and its names become
 * what the dashboard shows and sorts (a 230,000-character host name did). The bounds are far above
 * what Windows produces (host names ≤ 253, a dsregcmd field a few hundred characters); the frame
 * itself is at most 256 KiB.
 */
export const MAX_NAME = 256;
export const MAX_TEXT = 8192;
export const MAX_ITEMS = 64;
/** A name shown and sorted by the dashboard (host, user, model…). */
const Name = () => z.string().max(MAX_NAME);
/** Any other text (explanations, error messages, diagnostics). */
const Text = () => z.string().max(MAX_TEXT);
/** A string-keyed map of at most MAX_ITEMS entries with bounded keys. */
const BoundedRecord = <T extends z.ZodType>(value: T) =>
  z.record(Name(), value).refine((r) => Object.keys(r).length <= MAX_ITEMS, { message: `at most ${MAX_ITEMS} entries` });

const Scalar = z.union([Text(), z.number(), z.boolean(), z.null()]);
/** Evidence is the facts a check used, flat so every surface can print it as `name: value`. */
export const Evidence = BoundedRecord(z.union([Scalar, z.array(Text()).max(MAX_ITEMS)]));
export type Evidence = z.infer<typeof Evidence>;

export const TextParams = BoundedRecord(z.union([Text(), z.number()]));
export type TextParams = z.infer<typeof TextParams>;

export const CheckResult = z.object({
  id: z.enum(CHECK_IDS),
  status: z.enum(CHECK_STATUSES),
  scope: z.enum(CHECK_SCOPES),
  /** Rendered in the report's `lang`; the dashboard re-renders from the keys below in the viewer's language. */
  title: Text(),
  detail: Text(),
  remediation: Text().nullable(),
  /** Catalogue keys and parameters the texts were rendered from (protocol/i18n). */
  detailKey: Text(),
  remediationKey: Text().nullable(),
  params: TextParams,
  evidence: Evidence,
  /** Who carries out `remediation` (protocol/checks.ts FIXES); optional because agents before it omit it. */
  actor: z.enum(ACTORS).nullable().optional(),
});
export type CheckResult = z.infer<typeof CheckResult>;

/** Where each fact section came from, so "not collected" is never mistaken for "absent". */
export const SourceState = z.object({
  state: z.enum(['ok', 'not-collected', 'unsupported', 'error']),
  /** In English, for logs and people reading the JSON. */
  reason: Text().nullable(),
  /** The catalogue key and parameters `reason` was rendered from, so it can be shown in Japanese too. */
  reasonKey: Text().optional(),
  reasonParams: TextParams.optional(),
});
export type SourceState = z.infer<typeof SourceState>;

/**
 * A Windows build or update revision: far below 2^31 in practice, and bounded there because the
 * build is a 32-bit INTEGER column in PostgreSQL — one report beyond it would fail the whole batch
 * it is stored with, every other agent's reports included.
 */
const BuildNumber = z.number().int().min(0).max(2_147_483_647);

export const OsFacts = z.object({
  platform: Text(),
  build: BuildNumber.nullable(),
  ubr: BuildNumber.nullable(),
  displayVersion: Text().nullable(),
  edition: Text().nullable(),
  windows11: z.boolean().nullable(),
});
export type OsFacts = z.infer<typeof OsFacts>;

export const JOIN_TYPES = ['entra', 'hybrid', 'domain', 'registered', 'drs', 'none', 'unknown'] as const;
export type JoinType = (typeof JOIN_TYPES)[number];

export const JoinDiagnostics = z.object({
  errorPhase: Text().nullable(),
  clientErrorCode: Text().nullable(),
  serverErrorCode: Text().nullable(),
  serverMessage: Text().nullable(),
  /** The first diagnostic test that reported FAIL, verbatim, e.g. "AD Configuration Test". */
  failingTest: Text().nullable(),
  /** Its value verbatim, e.g. "FAIL [0x80070002]". */
  failingTestResult: Text().nullable(),
});
export type JoinDiagnostics = z.infer<typeof JoinDiagnostics>;

export const JoinFacts = z.object({
  type: z.enum(JOIN_TYPES),
  azureAdJoined: z.boolean().nullable(),
  enterpriseJoined: z.boolean().nullable(),
  domainJoined: z.boolean().nullable(),
  workplaceJoined: z.boolean().nullable(),
  domainName: Text().nullable(),
  tenantId: Text().nullable(),
  tenantName: Text().nullable(),
  deviceId: Text().nullable(),
  deviceAuthStatus: Text().nullable(),
  prt: z.boolean().nullable(),
  diagnostics: JoinDiagnostics.nullable(),
});
export type JoinFacts = z.infer<typeof JoinFacts>;

/** Per-user SSO facts (dsregcmd "SSO State" / "User State"); `context` says whose they are. */
export const SsoFacts = z.object({
  context: z.enum(['user', 'system', 'unknown']),
  user: Text().nullable(),
  observedAt: Text().nullable(),
  azureAdPrt: z.boolean().nullable(),
  azureAdPrtUpdateTime: Text().nullable(),
  attemptStatus: Text().nullable(),
  serverErrorCode: Text().nullable(),
  serverErrorDescription: Text().nullable(),
  enterprisePrt: z.boolean().nullable(),
  onPremTgt: z.boolean().nullable(),
  cloudTgt: z.boolean().nullable(),
  ngcSet: z.boolean().nullable(),
});
export type SsoFacts = z.infer<typeof SsoFacts>;

export const PolicyFacts = z.object({
  /** HKLM\SOFTWARE\Microsoft\Policies\PassportForWork\SecurityKey UseSecurityKeyForSignin (Intune/PPKG); null = not set. */
  useSecurityKeyForSignin: z.number().int().nullable(),
  /** HKLM\SOFTWARE\Policies\Microsoft\FIDO EnableFIDODeviceLogon (Group Policy); null = not set. */
  enableFidoDeviceLogon: z.number().int().nullable(),
});
export type PolicyFacts = z.infer<typeof PolicyFacts>;

export const CredentialProviderFacts = z.object({
  registered: z.boolean().nullable(),
  disabled: z.boolean().nullable(),
  /** ExcludedCredentialProviders verbatim; null = not set. */
  excludedList: Text().nullable(),
  excluded: z.boolean().nullable(),
  lastLoggedOnProvider: Text().nullable(),
});
export type CredentialProviderFacts = z.infer<typeof CredentialProviderFacts>;

export const SensorInfo = z.object({
  fingerprintKind: z.number().int().nullable(),
  maxCaptureSamplesRequiredForEnroll: z.number().int().nullable(),
  maxTemplateFriendlyName: z.number().int().nullable(),
});
export type SensorInfo = z.infer<typeof SensorInfo>;

export const KeyFacts = z.object({
  vendorId: z.number().int(),
  productId: z.number().int(),
  product: Name().nullable(),
  aaguid: Name().nullable(),
  model: Name().nullable(),
  isAtkey: z.boolean(),
  versions: z.array(Name()).max(MAX_ITEMS),
  firmwareVersion: z.number().int().nullable(),
  /** CTAPHID capability: false for a U2F-only key that cannot answer CTAP2. */
  ctap2: z.boolean().nullable(),
  pinSet: z.boolean().nullable(),
  fingerprintEnrolled: z.boolean().nullable(),
  uvConfigured: z.boolean().nullable(),
  noMcGaPermissionsWithClientPin: z.boolean().nullable(),
  sensor: SensorInfo.nullable(),
  access: z.enum(['ok', 'denied', 'error']),
  error: Text().nullable(),
});
export type KeyFacts = z.infer<typeof KeyFacts>;

export const Facts = z.object({
  sources: z.object({
    dsregcmd: SourceState,
    registry: SourceState,
    os: SourceState,
    hid: SourceState,
    user: SourceState,
  }),
  os: OsFacts,
  join: JoinFacts,
  sso: SsoFacts,
  policy: PolicyFacts,
  credentialProvider: CredentialProviderFacts,
  keys: z.array(KeyFacts).max(MAX_ITEMS),
});
export type Facts = z.infer<typeof Facts>;

export const DeviceIdentity = z.object({
  hostname: Name(),
  manufacturer: Name().nullable(),
  model: Name().nullable(),
  serial: Name().nullable(),
  uuid: Name().nullable(),
  /** The signed-in (or last probed) user, when known. */
  user: Name().nullable(),
});
export type DeviceIdentity = z.infer<typeof DeviceIdentity>;

export const READINESS = ['ready', 'not-ready', 'unknown'] as const;
export type Readiness = (typeof READINESS)[number];

/** A check that could not be decided: never a blocker, but it keeps its layer from "ready". */
export const UnknownCheck = z.object({
  id: z.enum(CHECK_IDS),
  /** The fact source that had no facts (not collected, unsupported, error); null when the source was read but lacks the fact. */
  source: z.enum(['dsregcmd', 'registry', 'os', 'hid', 'user']).nullable(),
  /** What would collect it (protocol/README.md, "Readiness"). */
  collect: z.enum(COLLECT_WAYS),
});
export type UnknownCheck = z.infer<typeof UnknownCheck>;

/** Each readiness layer alone, so a surface can show which one holds a PC back. */
export const Layers = z.object({
  device: z.enum(READINESS),
  key: z.enum(READINESS),
  user: z.enum(READINESS),
});
export type Layers = z.infer<typeof Layers>;

export const Report = z.object({
  schema: z.literal(REPORT_SCHEMA),
  generatedAt: Text(),
  agentVersion: Text(),
  lang: z.enum(LANGS),
  device: DeviceIdentity,
  readiness: z.enum(READINESS),
  /** Checks that failed in the layers that count (device, key); never an unknown one. */
  blocking: z.array(z.enum(CHECK_IDS)).max(MAX_ITEMS),
  /** Checks that could not be decided, in every layer. Optional: agents before it send only `blocking`. */
  unknown: z.array(UnknownCheck).max(MAX_ITEMS).optional(),
  layers: Layers.optional(),
  checks: z.array(CheckResult).max(MAX_ITEMS),
  facts: Facts,
});
export type Report = z.infer<typeof Report>;
