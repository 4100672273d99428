// Each device's readiness over time, read back from device_history (a row per change of readiness or
// of a check, written with the fleet's verdict): what a wave's "can sign in today" share over time is
// computed from (collector/api/waves.ts), for any set of PCs, whenever the wave was defined.
import * as z from 'zod';
import { READINESS, type Readiness } from '../../../protocol/report.ts';
import { Int } from './columns.ts';

/** Ids per statement: well under SQLite's and PostgreSQL's parameter limits. */
export const CHANGES_CHUNK = 500;

export function readinessChangesSql(count: number): string {
  const marks = Array.from({ length: count }, () => '?').join(', ');
  return `SELECT device_id, at, readiness FROM device_history WHERE device_id IN (${marks}) ORDER BY device_id, at, seq`;
}

export interface ReadinessChange {
  deviceId: string;
  /** Epoch milliseconds. */
  at: number;
  readiness: Readiness;
}

const Row = z.object({ device_id: z.string(), at: Int, readiness: z.enum(READINESS) });

export function readinessChange(raw: unknown): ReadinessChange {
  const row = Row.parse(raw);
  return { deviceId: row.device_id, at: row.at, readiness: row.readiness };
}

export function chunks<T>(items: readonly T[], size = CHANGES_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
