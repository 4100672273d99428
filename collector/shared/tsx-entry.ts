// When the collector runs from source (tests, benches) instead of dist/, the code it starts in a
// thread or a process of its own (the SQLite writer, the dashboard's front) is loaded through tsx.
// Its ESM entries are taken by the paths its package exports name: require.resolve would take the
// CommonJS condition instead, and a bare `--import tsx` would resolve from the working directory.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Export = string | { import?: string | { default?: string } };

/** The file URL of tsx's ESM entry at `subpath` of its package exports: '.' (the `--import` loader) or './esm/api'. */
export function tsxEntry(subpath: '.' | './esm/api'): string {
  const require = createRequire(import.meta.url);
  const manifest = require('tsx/package.json') as { exports: Record<string, Export | undefined> };
  const found = manifest.exports[subpath];
  const esm = typeof found === 'string' ? found : typeof found?.import === 'string' ? found.import : found?.import?.default;
  if (esm === undefined) throw new Error(`this tsx exports no ESM entry at ${subpath} to load the collector's code from source`);
  return pathToFileURL(join(dirname(require.resolve('tsx/package.json')), esm)).href;
}
