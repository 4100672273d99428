// Paths of the real captures under test/fixtures (the simulated PCs are built from them), read as the agent reads them.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures');
export const DSREGCMD_DIR = join(FIXTURES, 'dsregcmd');
export const BUNDLES_DIR = join(FIXTURES, 'bundles');

export function dsregcmdCapture(name: string): string {
  return readFileSync(join(DSREGCMD_DIR, name), 'utf8');
}
