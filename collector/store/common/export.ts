// Export walks the whole filtered fleet page by page (keyset on the sort column + id), so memory stays
// bounded by one page and no database cursor or transaction is held open while a slow client reads.
import type { DeviceRow } from '../../../protocol/api.ts';
import { toDeviceRow } from './columns.ts';
import type { Cursor } from './sql.ts';
import type { SqlValue } from './sql-part.ts';

/** Rows per export page: large enough to amortise the query, small enough to bound memory. */
export const EXPORT_PAGE = 1000;

/** Raw rows with DEVICE_ROW_COLUMNS plus the sort column selected as `sort_value`. */
export type PageReader = (cursor: Cursor | null, limit: number) => Promise<readonly Record<string, unknown>[]>;

export async function* exportPages(read: PageReader, pageSize = EXPORT_PAGE): AsyncIterable<DeviceRow> {
  let cursor: Cursor | null = null;
  while (true) {
    const page = await read(cursor, pageSize);
    for (const raw of page) yield toDeviceRow(raw);
    const last = page.at(-1);
    if (page.length < pageSize || !last) return;
    cursor = { value: sortValue(last.sort_value), id: String(last.id) };
  }
}

function sortValue(value: unknown): SqlValue {
  if (value === null || typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  throw new Error(`unexpected sort value ${String(value)}`);
}

