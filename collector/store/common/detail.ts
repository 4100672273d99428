// A device's detail view from the three reads each engine makes in one read transaction: the row,
// the stored report body, and the newest history entries.
import type { DeviceDetail } from '../../../protocol/api.ts';
import { Int, toDeviceRow } from './columns.ts';
import { historyEntry } from './history.ts';
import { restoreReport } from './report-body.ts';

export function deviceDetailOf(row: Record<string, unknown>, reportBody: string | undefined, history: readonly unknown[]): DeviceDetail {
  return {
    device: toDeviceRow(row),
    report: reportBody !== undefined && typeof row.report_generated_at === 'string' ? restoreReport(reportBody, row.report_generated_at) : null,
    history: history.map(historyEntry),
    droppedReports: Int.parse(row.dropped),
  };
}
