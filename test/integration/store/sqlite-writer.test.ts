// The SQLite writer thread as the event loop sees it (collector/store/sqlite/writer-client.ts): a
// thread that cannot open the database fails every write and says why, instead of leaving writes
// waiting; and it holds the process open exactly while a write waits for its reply.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WriterThread } from '../../../collector/store/sqlite/writer-client.ts';
import { useTmpDir } from '../../support/tmp.ts';

describe('sqlite writer thread', () => {
  const dir = useTmpDir('keyready-writer-');

  it('fails every write with the reason, logs it once and stops answering when it cannot open the database', async () => {
    const errors: { message: string; fields: Record<string, unknown> }[] = [];
    const log = { error: (message: string, fields: Record<string, unknown>) => errors.push({ message, fields }) };
    const writer = new WriterThread({ path: join(dir(), 'missing-folder', 'keyready.db'), connection: { cacheMiB: 1 } }, log);
    await expect(writer.call('migrate')).rejects.toThrow(/Cannot open database because the directory does not exist/);
    expect(writer.alive).toBe(false);
    await expect(writer.call('setSetting', 'k', 'v')).rejects.toThrow(/Cannot open database because the directory does not exist/);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ message: 'the SQLite writer thread stopped: nothing more can be stored', fields: { event: 'store.writer' } });
    await writer.close();
  });

  it('lets a process end on its own once no write waits, and not before a waiting write is answered', () => {
    const script = fileURLToPath(new URL('./unclosed-writer.ts', import.meta.url));
    const child = spawnSync(process.execPath, ['--import', 'tsx', script, join(dir(), 'keyready.db')], { encoding: 'utf8', timeout: 60_000 });
    // Never closed: had the thread held the process, it would not have exited (the timeout kills it);
    // had it not held it while a write waited, the script would have ended before printing.
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
    expect(child.stdout).toBe('stored 1\n');
  });
});
