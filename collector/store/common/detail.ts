// A device's detail view from the four reads each engine makes in one read transaction: the row,
// the stored report body, the newest history entries and enrolment events.
import { EnrollmentEvent, type DeviceDetail } from '../../../protocol/api.ts';
import { Int, toDeviceRow } from './columns.ts';
import { historyEntry } from './history.ts';
import { restoreReport } from './report-body.ts';

export function deviceDetailOf(
  row: Record<string, unknown>,
  reportBody: string | undefined,
  history: readonly unknown[],
  enrollments: readonly Record<string, unknown>[],
): DeviceDetail {
  return {
    device: toDeviceRow(row),
    report: reportBody !== undefined && typeof row.report_generated_at === 'string' ? restoreReport(reportBody, row.report_generated_at) : null,
    history: history.map(historyEntry),
    enrollments: enrollments.map((e) =>
      EnrollmentEvent.parse({ at: new Date(Number(e.at)).toISOString(), kind: e.kind, hostname: e.hostname, address: e.address ?? null }),
    ),
    droppedReports: Int.parse(row.dropped),
  };
}
