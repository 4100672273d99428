// CSV export of device rows (RFC 4180), safe to open in a spreadsheet.
import type { DeviceRow } from '../../protocol/api.ts';

type Cell = string | number | boolean | null;

/**
 * Quotes a cell when needed. A text cell starting with = + - @ (or tab / CR) would be run as a
 * formula by Excel or LibreOffice: it gets a leading apostrophe so it stays text.
 */
export function csvCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const COLUMNS: readonly [string, (row: DeviceRow) => Cell][] = [
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

export const CSV_HEADER = `${COLUMNS.map(([name]) => name).join(',')}\r\n`;

export function csvRow(row: DeviceRow): string {
  return `${COLUMNS.map(([, get]) => csvCell(get(row))).join(',')}\r\n`;
}
