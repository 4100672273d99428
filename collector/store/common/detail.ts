// A device's detail view from the three reads each engine makes in one read transaction: the row,
// the stored report body, and the newest history entries.
import type { DeviceDetail } from '../../../protocol/api.ts';
import { Int, parseKeyChecks, toDeviceRow } from './columns.ts';
import { historyEntry } from './history.ts';
import { restoreReport } from './report-body.ts';

export function deviceDetailOf(row: Record<string, unknown>, reportBody: string | undefined, history: readonly unknown[]): DeviceDetail {
  const device = toDeviceRow(row);
  return {
    device,
    report: reportBody !== undefined && typeof row.report_generated_at === 'string' ? restoreReport(reportBody, row.report_generated_at) : null,
    history: history.map(historyEntry),
    keyChecks: device.keyRemembered ? parseKeyChecks(typeof row.key_checks === 'string' ? row.key_checks : null) : null,
    droppedReports: Int.parse(row.dropped),
  };
}
