// Child process for the writer-thread test: opens a store, writes once with nothing else keeping the
// process alive, prints what it read back, and ends without closing the store.
import { SqliteStore } from '../../../collector/store/sqlite/store.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: unclosed-writer.ts DB_PATH');
const store = new SqliteStore(path);
await store.migrate();
await store.setSetting('probe', '1');
process.stdout.write(`stored ${await store.getSetting('probe')}\n`);
