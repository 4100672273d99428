// The device list's SQL building, shared by both engines: filters, order and the export cursor.
import { describe, expect, it } from 'vitest';
import { afterCursor, orderClause, whereClause, type Dialect } from '../../../../collector/store/common/sql.ts';
import { checkMask } from '../../../../collector/store/common/check-bits.ts';
import { DeviceQuery } from '../../../../protocol/api.ts';

const dialect: Pick<Dialect, 'search' | 'contains'> = {
  search: (needle, column) => ({ sql: `${column('id')} IN (SELECT id FROM search WHERE s = ?)`, params: [needle] }),
  contains: (column, needle) => ({ sql: `instr(${column}, ?) > 0`, params: [needle] }),
};
const query = (raw: Record<string, string> = {}) => DeviceQuery.parse(raw);

describe('whereClause', () => {
  it('is empty without filters', () => {
    expect(whereClause(query(), dialect)).toEqual({ sql: '', params: [] });
  });

  it('ANDs every filter with its parameters in order, the search lower-cased through the dialect', () => {
    const where = whereClause(query({ readiness: 'not-ready', check: 'os.build', online: 'true', model: 'ATKey.Pro CTAP2.0', tag: 'site=Osaka', q: 'PC-Tokyo' }), dialect);
    expect(where.sql).toBe(
      'WHERE d.readiness = ? AND (d.failing_mask & ?) <> 0 AND d.online = ? AND d.key_model = ? AND ' +
        'd.id IN (SELECT t.device_id FROM device_tags t WHERE t.tag_key = ? AND t.tag_value = ? ' +
        'UNION ALL SELECT a.device_id FROM device_admin_tags a WHERE a.tag_key = ? AND a.tag_value = ?) AND d.id IN (SELECT id FROM search WHERE s = ?)',
    );
    expect(where.params).toEqual([0, checkMask(['os.build']), 1, 'ATKey.Pro CTAP2.0', 'site', 'Osaka', 'site', 'Osaka', 'pc-tokyo']);
  });

  it('matches a bare tag by value (the agent’s or the collector’s), and pins filters off indexes for SQLite page queries', () => {
    expect(whereClause(query({ tag: 'Sales' }), dialect)).toEqual({
      sql: 'WHERE d.id IN (SELECT t.device_id FROM device_tags t WHERE t.tag_value = ? UNION ALL SELECT a.device_id FROM device_admin_tags a WHERE a.tag_value = ?)',
      params: ['Sales', 'Sales'],
    });
    expect(whereClause(query({ readiness: 'ready' }), dialect, { pinSort: true }).sql).toBe('WHERE +d.readiness = ?');
  });

  it('writes the tag and the search as tests of each row read when another index gives the rows', () => {
    const tested: Pick<Dialect, 'search' | 'contains'> = { ...dialect, search: (needle, column, asTest) => ({ sql: asTest ? `strpos(${column('search')}, ?) > 0` : 'never', params: [needle] }) };
    expect(whereClause(query({ tag: 'site=Osaka', q: 'PC' }), tested, { tested: true })).toEqual({
      sql:
        'WHERE (d.id IN (SELECT t.device_id FROM device_tags t WHERE t.tag_key = ? AND t.tag_value = ?) ' +
        'OR d.id IN (SELECT a.device_id FROM device_admin_tags a WHERE a.tag_key = ? AND a.tag_value = ?)) AND strpos(d.search, ?) > 0',
      params: ['site', 'Osaka', 'site', 'Osaka', 'pc'],
    });
  });

  it('tests the tag on the tag text a covering sort index carries, by id only where a row\u2019s tags were too long to keep', () => {
    expect(whereClause(query({ tag: 'site=Osaka' }), dialect, { pinSort: true, tagsCarried: true })).toEqual({
      sql:
        'WHERE (instr(+d.tag_text, ?) > 0 OR (+d.tag_text IS NULL AND (+d.id IN (SELECT t.device_id FROM device_tags t WHERE t.tag_key = ? AND t.tag_value = ?) ' +
        'OR +d.id IN (SELECT a.device_id FROM device_admin_tags a WHERE a.tag_key = ? AND a.tag_value = ?))))',
      params: ['\nsite=Osaka\n', 'site', 'Osaka', 'site', 'Osaka'],
    });
  });
});

describe('orderClause', () => {
  it('breaks ties by id in the same direction, with explicit NULLS where the engine needs them', () => {
    expect(orderClause(query({ sort: 'lastSeen', order: 'desc' }), false)).toBe('ORDER BY d.last_seen DESC, d.id DESC');
    // A NOT NULL column gets no NULLS clause: PostgreSQL then walks its index instead of sorting.
    expect(orderClause(query({ sort: 'lastSeen', order: 'desc' }), true)).toBe('ORDER BY d.last_seen DESC, d.id DESC');
    expect(orderClause(query({ sort: 'lastReport', order: 'desc' }), true)).toBe('ORDER BY d.last_report DESC NULLS LAST, d.id DESC');
    expect(orderClause(query({ sort: 'keyModel' }), true)).toBe('ORDER BY d.key_model ASC NULLS FIRST, d.id ASC');
  });
});

describe('afterCursor', () => {
  it('continues after equal sort values by id, and reaches the nulls at the end of a descending walk', () => {
    expect(afterCursor(query({ sort: 'hostname' }), { value: 'pc-1', id: 'x' })).toEqual({
      sql: '(d.hostname_lc > ? OR (d.hostname_lc = ? AND d.id > ?))',
      params: ['pc-1', 'pc-1', 'x'],
    });
    expect(afterCursor(query({ sort: 'osBuild', order: 'desc' }), { value: 22631, id: 'x' })).toEqual({
      sql: '(d.os_build < ? OR (d.os_build = ? AND d.id < ?) OR d.os_build IS NULL)',
      params: [22631, 22631, 'x'],
    });
  });

  it('walks the nulls first ascending (then every value), last descending', () => {
    expect(afterCursor(query({ sort: 'keyModel' }), { value: null, id: 'x' })).toEqual({
      sql: '((d.key_model IS NULL AND d.id > ?) OR d.key_model IS NOT NULL)',
      params: ['x'],
    });
    expect(afterCursor(query({ sort: 'keyModel', order: 'desc' }), { value: null, id: 'x' })).toEqual({
      sql: '(d.key_model IS NULL AND d.id < ?)',
      params: ['x'],
    });
  });
});
