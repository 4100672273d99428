// `npm start` runs this first: it builds dist/ when it is missing or older than the sources, and
// otherwise does nothing — so a built tree installed with `npm install --omit=dev` starts as it is.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, builtStamp, sourceStamp } from './source-stamp.js';

if (builtStamp() !== sourceStamp()) {
  if (!existsSync(join(ROOT, 'node_modules', 'tsx')) || !existsSync(join(ROOT, 'node_modules', 'esbuild'))) {
    process.stderr.write('keyready: dist/ is missing or older than the sources, and the build tools are not installed: run `npm install` (with dev dependencies), then `npm run build`.\n');
    process.exit(1);
  }
  const build = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'installers', 'build.ts')], { cwd: ROOT, stdio: 'inherit' });
  process.exit(build.status ?? 1);
}
