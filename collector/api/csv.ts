// CSV exports of device and user rows (RFC 4180), safe to open in a spreadsheet.
import type { DeviceRow, UserRow } from '../../protocol/api.ts';
import { displayText } from '../../protocol/display-text.ts';

type Cell = string | number | boolean | null;

/**
 * A spreadsheet runs a cell as a formula when it starts with = + - @ — also after leading spaces or
 * separators (" =1", ";=1"), and in their full-width forms (＝ ＋ － ＠), which some locales accept.
 */
const FORMULA = /^(?:[\t\r]|[\s;,]*[=+\-@\uff1d\uff0b\uff0d\uff20])/;

/**
 * Quotes a cell when needed. Controls and bidi overrides are made visible first (display-text.ts),
 * then a formula-looking text gets a leading apostrophe so it stays text.
 */
export function csvCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const shown = displayText(value);
  // Judged on the value as sent: a newline or tab before "=" is neutralised too.
  const text = FORMULA.test(value) ? `'${shown}` : shown;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

type Columns<R> = readonly [string, (row: R) => Cell][];

const header = <R>(columns: Columns<R>): string => `${columns.map(([name]) => name).join(',')}\r\n`;
const row = <R>(columns: Columns<R>, r: R): string => `${columns.map(([, get]) => csvCell(get(r))).join(',')}\r\n`;

const COLUMNS: Columns<DeviceRow> = [
  ['deviceId', (r) => r.deviceId],
  ['hostname', (r) => r.hostname],
  ['user', (r) => r.user],
  ['readiness', (r) => r.readiness],
  // The layers next to the verdict, so a spreadsheet shows which one holds each PC back.
  ['pcLayer', (r) => r.layers.device],
  ['keyLayer', (r) => r.layers.key],
  ['keyRemembered', (r) => r.keyRemembered],
  ['userLayer', (r) => r.layers.user],
  ['blocking', (r) => r.blocking.join(' ')],
  ['failing', (r) => r.failing.join(' ')],
  // Never blockers: what could not be collected, kept apart from what failed.
  ['unknown', (r) => r.unknown.join(' ')],
  ['online', (r) => r.online],
  ['firstSeen', (r) => r.firstSeen],
  ['lastSeen', (r) => r.lastSeen],
  ['lastReport', (r) => r.lastReport],
  ['osBuild', (r) => r.osBuild],
  ['joinType', (r) => r.joinType],
  ['keyModel', (r) => r.keyModel],
  ['keyFingerprintEnrolled', (r) => r.keyFingerprintEnrolled],
  ['keyPinSet', (r) => r.keyPinSet],
  ['keySeenAt', (r) => r.keySeenAt],
  ['agentVersion', (r) => r.agentVersion],
  ['tags', (r) => Object.entries(r.tags).map(([k, v]) => `${k}=${v}`).join('; ')],
];

/**
 * Excel on a Japanese Windows reads a CSV without a byte order mark as Shift_JIS and garbles every
 * Japanese name: each export starts with the UTF-8 BOM (riding on its header).
 */
export const CSV_BOM = '\uFEFF';

export const CSV_HEADER = `${CSV_BOM}${header(COLUMNS)}`;

export function csvRow(device: DeviceRow): string {
  return row(COLUMNS, device);
}

const USER_COLUMNS: Columns<UserRow> = [
  ['user', (u) => u.user],
  ['canSignInToday', (u) => u.verdict],
  // Which layer holds the user back, so a spreadsheet can be sorted by who has to act.
  ['heldBy', (u) => u.heldBy.join(' ')],
  ['pcs', (u) => u.pcCount],
  ['readyPcs', (u) => u.readyPcs],
  ['pcNames', (u) => u.pcs.map((p) => p.hostname).join(' ')],
  ['keyModel', (u) => u.key?.model ?? null],
  ['keyFingerprintEnrolled', (u) => u.key?.fingerprintEnrolled ?? null],
  ['keyPinSet', (u) => u.key?.pinSet ?? null],
  ['keySeenAt', (u) => u.key?.seenAt ?? null],
  ['keyRegisteredInEntra', (u) => u.keyRegistered],
  ['tenant', (u) => u.tenant ?? 'unknown'],
  ['lastSeen', (u) => u.lastSeen],
];

/** Excel on Japanese Windows reads a CSV without a byte-order mark as Shift_JIS: user names would garble. */
export const USER_CSV_HEADER = `${CSV_BOM}${header(USER_COLUMNS)}`;

export function userCsvRow(user: UserRow): string {
  return row(USER_COLUMNS, user);
}
