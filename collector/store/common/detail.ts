// A device's detail view from the four reads each engine makes in one read transaction: the row,
// the stored report body, the newest history entries and enrolment events.
import { EnrollmentEvent, type DeviceDetail } from '../../../protocol/api.ts';
import { Int, parseKeyChecks, toDeviceRow } from './columns.ts';
import { revocationOf } from './enrollment.ts';
import { historyEntry } from './history.ts';
import { restoreReport } from './report-body.ts';

export function deviceDetailOf(
  row: Record<string, unknown>,
  reportBody: string | undefined,
  history: readonly unknown[],
  enrollments: readonly Record<string, unknown>[],
): DeviceDetail {
  const device = toDeviceRow(row);
  return {
    device,
    report: reportBody !== undefined && typeof row.report_generated_at === 'string' ? restoreReport(reportBody, row.report_generated_at) : null,
    history: history.map(historyEntry),
    keyChecks: device.keyRemembered ? parseKeyChecks(typeof row.key_checks === 'string' ? row.key_checks : null) : null,
    enrollments: enrollments.map((e) =>
      EnrollmentEvent.parse({ at: new Date(Number(e.at)).toISOString(), kind: e.kind, hostname: e.hostname, address: e.address ?? null }),
    ),
    revocation: revocationOf(row.revoked),
    droppedReports: Int.parse(row.dropped),
  };
}
