// The collector's HTTP API as the dashboard consumes it. The collector validates query strings with
// these schemas and the dashboard types its responses with them: one definition for both sides.
import { displayText } from './display-text.ts';
import * as z from 'zod';
import { CHECK_IDS, CHECK_STATUSES } from './checks.ts';
import { CheckResult, JOIN_TYPES, Layers, READINESS, Report, type Readiness } from './report.ts';
import { Missing, PcAnswer, TENANT_LEVELS, TENANT_OVERALL, TENANT_VERDICT_IDS, TenantAnswer } from './tenant.ts';

export const LoginRequest = z.object({ username: z.string().min(1).max(128), password: z.string().min(1).max(1024) });
/**
 * Dashboard roles. admin: everything. helpdesk: read, re-check, instruction sheets — no settings,
 * accounts, tags, waves, alerts or fleet exports (collector/api/access.ts enforces it on every route).
 */
export const ROLES = ['admin', 'helpdesk'] as const;
export type Role = z.infer<typeof RoleSchema>;
const RoleSchema = z.enum(ROLES);
export const SessionInfo = z.object({ username: z.string(), csrfToken: z.string(), role: RoleSchema });
export type SessionInfo = z.infer<typeof SessionInfo>;
/** State-changing requests carry the session's CSRF token in this header. */
export const CSRF_HEADER = 'x-keyready-csrf';
export const SESSION_COOKIE = 'keyready_session';

/** A device-supplied name as the dashboard shows it: controls and bidi overrides made visible (display-text.ts). */
const Shown = z.string().transform(displayText);

/**
 * The dashboard allows only its own files: even an injected string could not load or run anything.
 * In the page's <meta> tag (a saved copy keeps it) and, with frame-ancestors (which only a header can
 * carry), in the collector's Content-Security-Policy header.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export const DeviceRow = z.object({
  deviceId: z.string(),
  hostname: Shown,
  user: Shown.nullable(),
  tags: z.record(Shown, Shown),
  /** Tags an admin assigned on the collector (shown apart from the agent's own `tags`); absent from collectors before them. */
  adminTags: z.record(Shown, Shown).optional(),
  agentVersion: z.string().nullable(),
  /** "Can this PC's user sign in with their ATKey today": the PC and key layers (protocol/README.md, "The fleet"). */
  readiness: z.enum(READINESS),
  /** Failed checks of the counted layers, the key's as last seen; never an unknown one. */
  blocking: z.array(z.enum(CHECK_IDS)),
  /** Every failed check, any layer (the "failing check" filter). */
  failing: z.array(z.enum(CHECK_IDS)),
  /** Every check that could not be decided, any layer (the "not collected" filter); never in `blocking`. */
  unknown: z.array(z.enum(CHECK_IDS)),
  /** Each layer alone: the PC, the key (the last key seen), the user (unknown until the tenant side is read). */
  layers: Layers,
  /** true when the key layer comes from an earlier report: no key was readable at the last one (unplugged). */
  keyRemembered: z.boolean(),
  online: z.boolean(),
  firstSeen: z.string(),
  /** Last time any traffic (report, ping answer) was seen from the agent. */
  lastSeen: z.string(),
  /** Last time a report was stored; null before the first. */
  lastReport: z.string().nullable(),
  osBuild: z.number().int().nullable(),
  joinType: z.enum(JOIN_TYPES).nullable(),
  /** The last key seen on this PC, even after it was unplugged. */
  keyModel: Shown.nullable(),
  keyFingerprintEnrolled: z.boolean().nullable(),
  keyPinSet: z.boolean().nullable(),
  keySeenAt: z.string().nullable(),
});
export type DeviceRow = z.infer<typeof DeviceRow>;

export const SORT_FIELDS = ['hostname', 'readiness', 'lastSeen', 'lastReport', 'osBuild', 'keyModel'] as const;
export const DeviceQuery = z.object({
  readiness: z.enum(READINESS).optional(),
  /** A check that failed. */
  check: z.enum(CHECK_IDS).optional(),
  /** A check that could not be decided. */
  unknown: z.enum(CHECK_IDS).optional(),
  /** One layer's state: the PC, the key, the user. */
  device: z.enum(READINESS).optional(),
  key: z.enum(READINESS).optional(),
  user: z.enum(READINESS).optional(),
  online: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  model: z.string().max(128).optional(),
  tag: z.string().max(256).optional(), // "key=value" or a bare value
  q: z.string().max(256).optional(),
  sort: z.enum(SORT_FIELDS).default('hostname'),
  order: z.enum(['asc', 'desc']).default('asc'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});
export type DeviceQuery = z.infer<typeof DeviceQuery>;

export const DeviceList = z.object({ total: z.number().int(), items: z.array(DeviceRow) });
export type DeviceList = z.infer<typeof DeviceList>;

export const HistoryEntry = z.object({
  at: z.string(),
  seq: z.number().int(),
  readiness: z.enum(READINESS),
  /** Checks whose status changed in this report, with before and after. */
  changes: z.array(
    z.object({ id: z.enum(CHECK_IDS), from: z.enum(CHECK_STATUSES).nullable(), to: z.enum(CHECK_STATUSES) }),
  ),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/**
 * What happened to a device's identity: a known PC enrolled again (allowed: offline long enough, new
 * token, new sequence; refused: still in use, or revoked), or an administrator revoked it or allowed
 * its hardware to enroll again.
 */
export const ENROLLMENT_KINDS = ['reenrolled', 'reenroll-refused', 'refused-revoked', 'revoked', 'reenroll-allowed'] as const;
export type EnrollmentKind = (typeof ENROLLMENT_KINDS)[number];
export const EnrollmentEvent = z.object({
  at: z.string(),
  kind: z.enum(ENROLLMENT_KINDS),
  /** The host name the enrolling agent gave (for an administrator's act: the device's). */
  hostname: Shown,
  /** Its source address as the collector saw it (for an administrator's act: the dashboard's, or null from the command line). */
  address: z.string().nullable(),
});
export type EnrollmentEvent = z.infer<typeof EnrollmentEvent>;

export const DeviceDetail = z.object({
  device: DeviceRow,
  report: Report.nullable(),
  history: z.array(HistoryEntry),
  /**
   * When `device.keyRemembered`: the key checks of the last report that could judge the key, which the
   * fleet's verdict uses instead of the latest report's undecided ones; otherwise null.
   */
  keyChecks: z.array(CheckResult).nullable(),
  /** Newest first, at most 20 (absent from collectors before it). */
  enrollments: z.array(EnrollmentEvent).optional(),
  /**
   * null: in use. `revoked`: its token is refused and its hardware may not enroll again;
   * `reenroll-allowed`: revoked, and an administrator allowed its hardware to enroll again.
   * Absent from collectors before it.
   */
  revocation: z.enum(['revoked', 'reenroll-allowed']).nullable().optional(),
  /** Reports the agent's outbox had to drop, as the agent last reported it. */
  droppedReports: z.number().int(),
  /**
   * The tenant join for this PC × its user × its last key seen (issue 13), added by the API: null when
   * Microsoft Graph is not configured; absent in what the store alone returns.
   */
  tenant: z.lazy(() => DeviceTenant.nullable()).optional(),
});
export type DeviceDetail = z.infer<typeof DeviceDetail>;

const ReadinessCounts = z.object({ ready: z.number().int(), notReady: z.number().int(), unknown: z.number().int() });
export type ReadinessCounts = z.infer<typeof ReadinessCounts>;

/** Where a readiness is counted in the summary's counts. */
export function countKey(readiness: Readiness): keyof ReadinessCounts {
  return readiness === 'not-ready' ? 'notReady' : readiness;
}

export const Summary = z.object({
  total: z.number().int(),
  /** Devices by DeviceRow.readiness: can the user sign in with their ATKey today. */
  readiness: ReadinessCounts,
  /** Devices by each layer's state. */
  layers: z.object({ device: ReadinessCounts, key: ReadinessCounts, user: ReadinessCounts }),
  online: z.number().int(),
  offline: z.number().int(),
  /** Devices per blocking check (the key's as last seen), largest first; unknown checks never count. */
  blocking: z.array(z.object({ id: z.enum(CHECK_IDS), count: z.number().int() })),
  keys: z.array(
    z.object({
      model: z.string(),
      total: z.number().int(),
      fingerprintEnrolled: z.number().int(),
      fingerprintNotEnrolled: z.number().int(),
    }),
  ),
  /** One row per day, oldest first. */
  trend: z.array(z.object({ day: z.string(), ready: z.number().int(), notReady: z.number().int(), unknown: z.number().int() })),
  demo: z.boolean(),
  /**
   * The tenant's side of guide step 1 (issue 13), added by the API: null when Microsoft Graph is not
   * configured; absent in what the store alone returns.
   */
  tenant: z.lazy(() => TenantOverview.nullable()).optional(),
});
export type Summary = z.infer<typeof Summary>;

/** A policy target: `all_users` or a group object id, with what the stored group read says of it. */
const TenantTarget = z.object({
  id: z.string(),
  /** The group's display name as Graph gives it; null for all users, a deleted group, or before it was read. */
  name: z.string().nullable(),
  /** false: the group no longer resolves (the policy silently stops applying to it); null: not read. */
  exists: z.boolean().nullable(),
  members: z.number().int().nullable(),
});

/** Summary.tenant: the stored policy read, so the overview answers step 1 without opening a PC. */
export const TenantOverview = z.object({
  /** The Passkey (FIDO2) method; unknown until the policy is read, or when reading it failed. */
  fido2: z.enum(['enabled', 'disabled', 'unknown']),
  /** What is missing when unknown (a permission named exactly, a licence, not read yet). */
  missing: Missing.nullable(),
  include: z.array(TenantTarget),
  exclude: z.array(TenantTarget),
  /** How keys are restricted: none, the legacy allow/block list, or passkey profiles. */
  restriction: z.enum(['none', 'allow', 'block', 'profiles']),
  /** The ATKey models (protocol/atkey-aaguids.json) the restrictions admit; every model when none. */
  atkeyAdmitted: z.array(z.object({ aaguid: z.string(), name: z.string() })),
  atkeyTotal: z.number().int(),
  /** When the oldest of the facts shown was read, and how long ago. */
  readAt: z.string().nullable(),
  ageSeconds: z.number().int().nullable(),
  /** PCs per tenant blocker (the join's verdicts, counted beside the local checks), largest first. */
  blocking: z.array(z.object({ id: z.enum(TENANT_VERDICT_IDS), count: z.number().int() })),
});
export type TenantOverview = z.infer<typeof TenantOverview>;

export const RecheckResponse = z.object({ requestId: z.string(), delivered: z.boolean() });

/** Pushed on the dashboard's live socket (`/api/live`, session cookie). */
export const LiveEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('device'), device: DeviceRow }),
  z.object({ type: z.literal('summary') }),
  z.object({ type: z.literal('recheck'), deviceId: z.string(), requestId: z.string(), state: z.enum(['sent', 'reported']) }),
]);
export type LiveEvent = z.infer<typeof LiveEvent>;

/** DeviceDetail.tenant: the join's answer, the PC's combined answer, and the age of the data used. */
export const DeviceTenant = TenantAnswer.extend({
  /** Seconds since the oldest Graph fact used was read; null before the first read. */
  snapshotAgeSeconds: z.number().int().nullable(),
  /** The PC's own checks and the tenant join together: one answer per PC. */
  pc: PcAnswer,
});
export type DeviceTenant = z.infer<typeof DeviceTenant>;

/**
 * `/api/enroll-info`: how to add PCs, for the empty dashboard. Commands carry `<secret>`: the secret
 * itself never leaves the collector's data folder through the API.
 */
export const EnrollInfo = z.object({
  /** ws(s)://host:port/agent other PCs can use, best first (the address the dashboard was opened with, when not loopback); empty when listening on loopback only. */
  agentUrls: z.array(z.string()),
  msiCommand: z.string().nullable(),
  agentCommand: z.string().nullable(),
  /** The command that prints the generated secret; null when the secrets come from the collector's options. */
  secretCommand: z.string().nullable(),
});
export type EnrollInfo = z.infer<typeof EnrollInfo>;

/** A dashboard account as admins see it (never its password or hash). */
export const AccountInfo = z.object({
  username: z.string(),
  role: RoleSchema,
  disabled: z.boolean(),
  /** The first-start `admin`: always an admin, its password reset only with `keyready-collector reset-admin-password`. */
  builtIn: z.boolean(),
  /** How it signs in: a password kept by the collector; `entra` is reserved for Microsoft Entra ID sign-in. */
  provider: z.enum(['local', 'entra']),
  createdAt: z.string().nullable(),
});
export type AccountInfo = z.infer<typeof AccountInfo>;
export const AccountList = z.object({ accounts: z.array(AccountInfo) });
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
export const NewAccount = z.object({ username: z.string().regex(USERNAME_PATTERN, 'letters, digits and . _ @ - (at most 64)'), role: RoleSchema });
export const AccountChange = z.object({ role: RoleSchema.optional(), disabled: z.boolean().optional(), resetPassword: z.literal(true).optional() }).strict();
/** The generated password, shown once (null when none was made). */
export const AccountSaved = z.object({ account: AccountInfo, password: z.string().nullable() });

/** What the audit log records (collector/api/access.ts). */
export const AUDIT_ACTIONS = [
  'sign-in', 'sign-in-failed', 'sign-out', 'recheck', 'export', 'account-create', 'account-change',
  'tags-change', 'wave-change', 'webhook-change', 'webhook-test', 'device-revoke', 'device-allow',
] as const;
export const AuditRecord = z.object({
  at: z.string(),
  username: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  detail: z.string().nullable(),
  address: z.string().nullable(),
});
export type AuditRecord = z.infer<typeof AuditRecord>;
export const AuditLog = z.object({ entries: z.array(AuditRecord) });

/** A tag key or value an admin assigns: no "=" in a key (the filter's separator), no control characters. */
export const TagKey = z.string().trim().min(1).max(64).regex(/^[^=\p{Cc}]+$/u, 'no "=" or control characters');
export const TagValue = z.string().trim().min(1).max(128).regex(/^[^\p{Cc}]+$/u, 'no control characters');
/**
 * POST /api/tags: set (`value`) or remove (null) one collector tag on a selection (`deviceIds`) or on
 * every PC a filter matches (`filter`: the device list's query string, as in the export link).
 */
export const TagAssignment = z
  .object({
    key: TagKey,
    value: TagValue.nullable(),
    deviceIds: z.array(z.string().min(1).max(200)).min(1).max(10_000).optional(),
    filter: z.string().max(2048).optional(),
  })
  .strict()
  .refine((a) => (a.deviceIds === undefined) !== (a.filter === undefined), 'give either deviceIds or filter');
export type TagAssignment = z.infer<typeof TagAssignment>;
export const TagAssigned = z.object({ matched: z.number().int(), changed: z.number().int() });
/** GET /api/tags: every key in use with its values, the agents' (agent.json) and the collector's apart. */
export const TagCatalogue = z.object({ keys: z.array(z.object({ key: Shown, agent: z.array(Shown), collector: z.array(Shown) })) });
export type TagCatalogue = z.infer<typeof TagCatalogue>;
/** GET /api/groups?key=site: readiness per value of one tag key (null: PCs without it), largest first. */
export const GroupBreakdown = z.object({
  key: z.string(),
  groups: z.array(z.object({ value: Shown.nullable(), total: z.number().int(), ready: z.number().int(), notReady: z.number().int(), unknown: z.number().int() })),
});
export type GroupBreakdown = z.infer<typeof GroupBreakdown>;

/** Who a wave is: the PCs with a tag (`key=value`, the agent's or the collector's), or the PCs of listed users. */
export const WaveMembers = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tag'), tag: z.string().trim().min(3).max(256).regex(/^[^=]+=.+$/, 'key=value') }),
  z.object({ kind: z.literal('users'), users: z.array(z.string().trim().min(1).max(256)).min(1).max(5000) }),
]);
export type WaveMembers = z.infer<typeof WaveMembers>;
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'a real date');
/** POST /api/waves: a new wave (no id) or a changed one. */
export const WaveInput = z.object({ id: z.string().max(64).optional(), name: z.string().trim().min(1).max(128), targetDate: Day, members: WaveMembers }).strict();
export type WaveInput = z.infer<typeof WaveInput>;
/** A wave and where it stands: "can sign in today" now and per day, and what still blocks it. */
export const WaveStatus = z.object({
  id: z.string(),
  name: Shown,
  targetDate: z.string(),
  members: WaveMembers,
  total: z.number().int(),
  ready: z.number().int(),
  notReady: z.number().int(),
  unknown: z.number().int(),
  /** The target date has passed and some PC is not ready. */
  overdue: z.boolean(),
  /** PCs per blocking check, largest first. */
  blocking: z.array(z.object({ id: z.enum(CHECK_IDS), count: z.number().int() })),
  /** End-of-day count of today's members that were ready (UTC days, oldest first, today last). */
  series: z.array(z.object({ day: z.string(), ready: z.number().int() })),
});
export type WaveStatus = z.infer<typeof WaveStatus>;
export const WaveList = z.object({ waves: z.array(WaveStatus) });

/** One thing a user still has to do, in the guide's order (step 2: the key, 3: registering it, 4: signing in). */
export const INSTRUCTION_KINDS = ['plug', 'fingerprint', 'pin', 'register', 'token', 'signin'] as const;
export const InstructionStep = z.object({ kind: z.enum(INSTRUCTION_KINDS), guideStep: z.number().int(), title: z.string(), lines: z.array(z.string()) });
/** GET /api/instructions/user?user=…&lang=…: what this user still lacks, and nothing else. */
export const InstructionSheet = z.object({
  user: Shown,
  lang: z.enum(['en', 'ja']),
  pcs: z.array(z.object({ deviceId: z.string(), hostname: Shown, ready: z.boolean() })),
  /** The sheet's title, who it is for, their PCs: in its language. */
  header: z.array(z.string()),
  steps: z.array(InstructionStep),
  /** Not steps: which PCs to leave alone for now, the wave's date. */
  notes: z.array(z.string()),
  /** The user has nothing to do. */
  done: z.boolean(),
  /** The last line (who to ask), and the whole "nothing to do" text when done. */
  footer: z.array(z.string()),
  /** The whole sheet as plain text, for mail or chat. */
  text: z.string(),
});
export type InstructionSheet = z.infer<typeof InstructionSheet>;
/** GET /api/instructions/wave/<id>?lang=…: one sheet per user of the wave's PCs who still has something to do. */
export const WaveInstructions = z.object({
  wave: z.object({ id: z.string(), name: Shown, targetDate: z.string() }),
  sheets: z.array(InstructionSheet),
  /** Users of the wave with nothing left to do (no sheet). */
  done: z.array(Shown),
});
export type WaveInstructions = z.infer<typeof WaveInstructions>;

/** What an alert webhook is told about. */
export const ALERT_RULES = ['regression', 'overdue', 'offline'] as const;
export type AlertRule = (typeof ALERT_RULES)[number];
/** Generic JSON, or the Microsoft Teams (Workflows) and Slack incoming-webhook formats. */
export const WEBHOOK_FORMATS = ['json', 'teams', 'slack'] as const;
/** POST /api/webhooks: a new webhook (no id) or a changed one; the URL must be https (or http to this network's own receivers). */
/** A webhook as the collector keeps it (admin record "webhook"). */
export const WebhookConfig = z
  .object({
    name: z.string().trim().min(1).max(128),
    url: z.url({ protocol: /^https?$/ }).max(2048),
    format: z.enum(WEBHOOK_FORMATS),
    lang: z.enum(['en', 'ja']),
    rules: z.array(z.enum(ALERT_RULES)).min(1),
    /** "Offline for N days". */
    offlineDays: z.number().int().min(1).max(365),
    enabled: z.boolean(),
  })
  .strict();
export type WebhookConfig = z.infer<typeof WebhookConfig>;
/**
 * POST /api/webhooks: a new webhook (no id), or a change to one (its id). A change without a URL keeps
 * the stored one: the dashboard never gets it back whole (it is the secret), yet edits and toggles.
 */
export const WebhookInput = WebhookConfig.extend({ id: z.string().max(64).optional(), url: WebhookConfig.shape.url.optional() })
  .strict()
  .refine((input) => input.id !== undefined || input.url !== undefined, { message: 'a new webhook needs its URL', path: ['url'] });
export type WebhookInput = z.infer<typeof WebhookInput>;
/** A webhook as the dashboard shows it: the URL cut to its origin (Teams and Slack URLs carry their secret). */
export const WebhookInfo = WebhookConfig.omit({ url: true }).extend({ id: z.string(), urlShown: z.string() });
export type WebhookInfo = z.infer<typeof WebhookInfo>;
/** A delivery's last result when nothing was sent, by why (the dashboard shows each in its language). */
export const NOT_SENT = { disabled: 'webhook disabled', deleted: 'webhook deleted' } as const;
export const DeliveryRecord = z.object({
  id: z.string(),
  webhookId: z.string(),
  webhookName: Shown,
  rule: z.enum([...ALERT_RULES, 'test']),
  title: Shown,
  state: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  /** The last answer: an HTTP status, or why there was none. */
  lastResult: z.string().nullable(),
  createdAt: z.string(),
  /** When the next attempt is due (pending only). */
  nextAt: z.string().nullable(),
});
export type DeliveryRecord = z.infer<typeof DeliveryRecord>;
export const WebhookList = z.object({ webhooks: z.array(WebhookInfo), deliveries: z.array(DeliveryRecord) });

/**
 * What holds a user back (issue 13/14's users view): their PC (device checks, or the PC's Entra
 * record), their key (key checks, or the key's model or registration), the tenant (the method, a
 * missing target group, data Graph could not give) or the user's account (not targeted, no key
 * registered). Tenant verdicts map by their level (protocol/tenant.ts): device → pc, key → key,
 * tenant → tenant, user → user.
 */
export const USER_LAYERS = ['pc', 'key', 'tenant', 'user'] as const;
export type UserLayer = (typeof USER_LAYERS)[number];
/** The layer a tenant verdict holds back (sign-in evidence holds nothing back). */
export const TENANT_LEVEL_LAYER: Readonly<Record<(typeof TENANT_LEVELS)[number], UserLayer | null>> = { tenant: 'tenant', device: 'pc', user: 'user', key: 'key', evidence: null };

/** One row per user seen on PCs (the agent's user fact), joined with the tenant when Graph is on. */
export const UserRow = z.object({
  user: Shown,
  /** "Can this user sign in today" over every PC they use: ready only when each of them is. */
  verdict: z.enum(READINESS),
  /** The layers holding them back: the blocked ones when not ready, the undecided ones when unknown. */
  heldBy: z.array(z.enum(USER_LAYERS)),
  pcCount: z.number().int(),
  readyPcs: z.number().int(),
  /** Their PCs (at most USER_PCS_SHOWN), most recently seen first. */
  pcs: z.array(z.object({ deviceId: z.string(), hostname: Shown, readiness: z.enum(READINESS), online: z.boolean(), lastSeen: z.string() })),
  /** The key seen most recently on any of their PCs (a key travels with its user). */
  key: z.object({
    model: Shown,
    fingerprintEnrolled: z.boolean().nullable(),
    pinSet: z.boolean().nullable(),
    seenAt: z.string().nullable(),
  }).nullable(),
  /** Is that key registered to the user in Entra: unknown when Graph is off or could not say. */
  keyRegistered: z.enum(['yes', 'no', 'unknown']),
  /** The tenant join's worst answer over their PCs; null when Graph is off or not read yet. */
  tenant: z.enum(TENANT_OVERALL).nullable(),
  /** Last time any of their PCs was heard from. */
  lastSeen: z.string(),
});
export type UserRow = z.infer<typeof UserRow>;
export const USER_PCS_SHOWN = 10;

export const USER_SORT_FIELDS = ['user', 'verdict', 'pcs'] as const;
export const UserQuery = z.object({
  verdict: z.enum(READINESS).optional(),
  /** Users held back by this layer. */
  layer: z.enum(USER_LAYERS).optional(),
  /** A substring of the user name or of one of their PCs' names. */
  q: z.string().max(256).optional(),
  sort: z.enum(USER_SORT_FIELDS).default('verdict'),
  order: z.enum(['asc', 'desc']).default('asc'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});
export type UserQuery = z.infer<typeof UserQuery>;

export const UserList = z.object({
  total: z.number().int(),
  items: z.array(UserRow),
  /** false when Microsoft Graph is not configured: tenant columns are unknown. */
  tenantConnected: z.boolean(),
});
export type UserList = z.infer<typeof UserList>;

/** A user's page: their row, and each of their PCs' detail with its tenant answer (what each must do). */
export const UserDetail = z.object({
  user: UserRow,
  devices: z.array(DeviceDetail),
  tenantConnected: z.boolean(),
});
export type UserDetail = z.infer<typeof UserDetail>;
