// node-hid's native addon, as the bundled agent loads it (installers/build.ts routes node-hid's
// `pkg-prebuilds/bindings` request here; the TypeScript sources load node-hid as usual).
// In the single-file exe there is no node_modules and Node cannot dlopen from memory: the addon
// travels as a SEA asset, is written once under the data directory and loaded from there — only
// after the file's SHA-256 matches the asset's, so a file swapped on disk is never loaded.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { getAsset, isSea } from 'node:sea';

let addonDirs: readonly string[] = [];

/**
 * Where the exe may write its addon: the data directory first (owner-only for the service); a plain
 * user running `keys` cannot write there, so a per-user folder under the temp directory is next.
 */
export function setNativeAddonDir(dataDir: string): void {
  addonDirs = [join(dataDir, 'native'), join(tmpdir(), `keyready-${userInfo().username}`, 'native')];
}

/** The SEA asset name of an addon: node-hid asks for `HID` (Windows, macOS) or `HID_hidraw` (Linux). */
export const addonAssetName = (name: string): string => `${name}.node`;

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function readIfPresent(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/**
 * The addon's file in `dir`, written when missing or different — a damaged or swapped file is
 * replaced by the exe's own bytes — and loaded only once its SHA-256 is the asset's.
 */
function materialise(dir: string, name: string, bytes: Uint8Array, hash: string): string {
  const file = join(dir, `${name}-${hash.slice(0, 16)}.node`);
  const existing = readIfPresent(file);
  if (existing === null || sha256(existing) !== hash) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, bytes, { mode: 0o700 });
    renameSync(temp, file);
  }
  const onDisk = readIfPresent(file);
  if (onDisk === null || sha256(onDisk) !== hash) throw new Error(`${file} does not match the addon inside this program (SHA-256): not loaded`);
  return file;
}

/** A folder this user may not write to: try the next one. Anything else is a real failure. */
const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);

function loadFromAsset(name: string): unknown {
  const asset = addonAssetName(name);
  const bytes = new Uint8Array(getAsset(asset));
  const hash = sha256(bytes);
  const refused: string[] = [];
  for (const dir of addonDirs) {
    let file: string;
    try {
      file = materialise(dir, name, bytes, hash);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === undefined || !NOT_WRITABLE.has(code)) throw error;
      refused.push(`${dir}: ${code}`);
      continue;
    }
    const module = { exports: {} as unknown };
    process.dlopen(module, file);
    return module.exports;
  }
  throw new Error(`cannot place the HID addon (${asset}) in a writable folder: ${refused.join('; ') || 'no folder configured'}`);
}

/** What node-hid's `pkg-prebuilds/bindings(dir, options)` returns: the addon's exports. */
export function loadHidAddon(name: string, fromNodeModules: () => unknown): unknown {
  return isSea() ? loadFromAsset(name) : fromNodeModules();
}
