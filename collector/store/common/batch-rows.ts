// A batch plan as the rows both engines write: a device whose report body changed gets every column
// and its body, an unchanged one only the volatile columns; history rows in the table's column order.
// Engines differ only in how they run these (a statement per row, or one multi-row statement).
import type { BatchPlan } from './batch-plan.ts';
import { UPDATE_COLUMNS, VOLATILE_COLUMNS, columnValues } from './columns.ts';
import type { SqlValue } from './sql-part.ts';

export interface DeviceRowWrite {
  readonly id: string;
  /** The values of UPDATE_COLUMNS or VOLATILE_COLUMNS, in that order. */
  readonly values: SqlValue[];
}

export interface BatchRows {
  /** Devices whose state changed: every UPDATE_COLUMNS value. */
  readonly full: DeviceRowWrite[];
  /** Devices that sent the same state again: only VOLATILE_COLUMNS. */
  readonly volatile: DeviceRowWrite[];
  /** [device id, report body] for the changed devices. */
  readonly reports: [string, string][];
  /** device_history rows: device_id, seq, at, readiness, changes (JSON). */
  readonly history: SqlValue[][];
}

export function batchRows(plan: BatchPlan): BatchRows {
  const full: DeviceRowWrite[] = [];
  const volatile: DeviceRowWrite[] = [];
  const reports: [string, string][] = [];
  for (const update of plan.updates) {
    if (update.body === null) {
      volatile.push({ id: update.id, values: columnValues(VOLATILE_COLUMNS, update) });
    } else {
      full.push({ id: update.id, values: columnValues(UPDATE_COLUMNS, update) });
      reports.push([update.id, update.body]);
    }
  }
  const history = plan.history.map((h) => [h.deviceId, h.seq, h.at, h.readiness, JSON.stringify(h.changes)]);
  return { full, volatile, reports, history };
}
