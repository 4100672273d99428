// The build's freshness stamp: a SHA-256 over every file the bundles are made from. Plain JavaScript,
// so `npm start` can tell whether dist/ is current in a tree installed with --omit=dev (no tsx there).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export const ROOT = join(import.meta.dirname, '..');
export const DIST = join(ROOT, 'dist');
export const STAMP_FILE = join(DIST, 'build-stamp.json');

/** What the bundles are built from: sources, the build itself, and the dependency versions. */
const INPUTS = ['protocol', 'agent', 'collector', 'dashboard/src', 'dashboard/build.ts', 'installers/windows/INTUNE.md', 'installers/windows/INTUNE.ja.md', 'installers/build.ts', 'installers/source-stamp.js', 'package.json', 'package-lock.json'];

function filesUnder(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((entry) => (entry.name === 'node_modules' || entry.name === 'dist' ? [] : filesUnder(join(path, entry.name))));
}

/** Hex SHA-256 of (path, content) of every input file, in a stable order. */
export function sourceStamp() {
  const hash = createHash('sha256');
  const files = INPUTS.flatMap((input) => filesUnder(join(ROOT, input))).map((file) => relative(ROOT, file).split(sep).join('/'));
  for (const file of files.sort()) hash.update(file).update('\0').update(readFileSync(join(ROOT, file))).update('\0');
  return hash.digest('hex');
}

/** The stamp dist/ was built from, or null when there is no complete build. */
export function builtStamp() {
  try {
    const stamp = JSON.parse(readFileSync(STAMP_FILE, 'utf8')).stamp;
    return typeof stamp === 'string' ? stamp : null;
  } catch {
    return null;
  }
}
