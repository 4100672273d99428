// A device's change history as the detail view shows it.
import * as z from 'zod';
import { HistoryEntry } from '../../../protocol/api.ts';
import { READINESS } from '../../../protocol/report.ts';
import { Int } from './columns.ts';

/** Entries returned by deviceDetail, newest first; older ones stay stored. */
export const HISTORY_LIMIT = 200;

const StoredHistory = z.object({ seq: Int, at: Int, readiness: z.enum(READINESS), changes: z.string() });

export function historyEntry(raw: unknown): HistoryEntry {
  const row = StoredHistory.parse(raw);
  return HistoryEntry.parse({ at: new Date(row.at).toISOString(), seq: row.seq, readiness: row.readiness, changes: JSON.parse(row.changes) });
}
