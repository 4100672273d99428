// `--db` values a user types, and the errors they get for ones the collector cannot open.
import { describe, expect, it } from 'vitest';
import { parseStoreUrl } from '../../../../collector/store/index.ts';

describe('parseStoreUrl', () => {
  it('reads sqlite:PATH, bare paths (including Windows drive paths) and PostgreSQL URLs', () => {
    expect(parseStoreUrl('sqlite:./data/keyready.db')).toEqual({ kind: 'sqlite', path: './data/keyready.db' });
    expect(parseStoreUrl('sqlite:///var/lib/keyready.db')).toEqual({ kind: 'sqlite', path: '/var/lib/keyready.db' });
    expect(parseStoreUrl('/var/lib/keyready.db')).toEqual({ kind: 'sqlite', path: '/var/lib/keyready.db' });
    expect(parseStoreUrl('C:\\ProgramData\\KeyReady\\keyready.db')).toEqual({ kind: 'sqlite', path: 'C:\\ProgramData\\KeyReady\\keyready.db' });
    expect(parseStoreUrl('postgres://kr:pw@db:5432/keyready')).toEqual({ kind: 'postgres', url: 'postgres://kr:pw@db:5432/keyready' });
    expect(parseStoreUrl(' postgresql://db/keyready ')).toEqual({ kind: 'postgres', url: 'postgresql://db/keyready' });
  });

  it('rejects empty values and other schemes without echoing credentials', () => {
    expect(() => parseStoreUrl('  ')).toThrow(/empty/);
    expect(() => parseStoreUrl('sqlite:')).toThrow(/needs a file path/);
    expect(() => parseStoreUrl('mysql://root:hunter2@db/keyready')).toThrow(/unsupported database scheme "mysql:"/);
    expect(() => parseStoreUrl('mysql://root:hunter2@db/keyready')).not.toThrow(/hunter2/);
  });
});
