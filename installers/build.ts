// `npm run build`: the bundles that ship, into dist/ (never committed).
//   dist/keyready-agent.cjs      the agent in one CommonJS file — what bin/keyready-agent.js runs and
//                                the input of the single-file packagers (installers/package.ts)
//   dist/keyready-collector.mjs  the collector; its npm dependencies stay in node_modules
//   dist/keyready-sqlite-writer.mjs  the collector's SQLite writer thread, which it starts from beside itself
//   dist/keyready-collector-front.mjs  the dashboard's front process over TLS, likewise (collector/front/)
//   dist/dashboard/              the dashboard's index.html and content-hashed assets
//   dist/build-stamp.json        which sources these were built from (`npm start` rebuilds when stale)
// Native addons are never bundled: the collector's load from node_modules; the agent's node-hid
// addon goes through agent/fido/transport/hid-addon.ts (node_modules, or the exe's own asset).
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build as esbuild, type BuildOptions, type Plugin } from 'esbuild';
import { buildDashboard } from '../dashboard/build.ts';
import { DIST, ROOT, STAMP_FILE, builtStamp, sourceStamp } from './source-stamp.js';
import { errorText } from '../protocol/error-text.ts';

export const AGENT_BUNDLE = join(DIST, 'keyready-agent.cjs');
export const COLLECTOR_BUNDLE = join(DIST, 'keyready-collector.mjs');
/** The name collector/store/sqlite/writer-client.ts starts its thread from, beside the collector's bundle. */
export const SQLITE_WRITER_BUNDLE = join(DIST, 'keyready-sqlite-writer.mjs');
/** The name collector/front/front-process.ts starts the front process from, beside the collector's bundle. */
export const FRONT_BUNDLE = join(DIST, 'keyready-collector-front.mjs');
export const DASHBOARD_DIR = join(DIST, 'dashboard');

const HID_ADDON_LOADER = join(ROOT, 'agent', 'fido', 'transport', 'hid-addon.ts');
const HID_BINDINGS = 'keyready-hid-bindings';

/**
 * node-hid asks `pkg-prebuilds/bindings` for its addon with its own directory; inside a bundle that
 * directory is dist/, and inside the exe there is no node_modules at all. Route the request to our
 * loader, which takes the exe's asset when packaged and node-hid's prebuild from node_modules otherwise.
 */
const hidAddonPlugin: Plugin = {
  name: 'keyready-hid-addon',
  setup(build) {
    build.onResolve({ filter: /^pkg-prebuilds\/bindings$/ }, (args) =>
      args.namespace === HID_BINDINGS ? { path: args.path, external: true } : { path: 'bindings', namespace: HID_BINDINGS },
    );
    build.onLoad({ filter: /.*/, namespace: HID_BINDINGS }, () => ({
      resolveDir: ROOT,
      loader: 'js',
      contents: `const { loadHidAddon } = require(${JSON.stringify(HID_ADDON_LOADER)});
module.exports = (_dir, options) => loadHidAddon(options.name, () => require('pkg-prebuilds/bindings')(require('path').dirname(require.resolve('node-hid/package.json')), options));`,
    }));
  },
};

/**
 * Optional native accelerators that dependencies try inside try/catch and do well without: ws
 * (bufferutil, utf-8-validate), cbor-x (cbor-extract; the agent decodes a few small getInfo replies)
 * and systeminformation's macOS sensors. Each would be one more addon to carry in the exe, whose
 * require() warns on every attempt: they resolve to a module that throws "not found", as when absent.
 */
const OPTIONAL_NATIVE = ['bufferutil', 'utf-8-validate', 'cbor-extract', 'osx-temperature-sensor', 'macos-temperature-sensor'];
const withoutOptionalNativePlugin: Plugin = {
  name: 'keyready-without-optional-native',
  setup(build) {
    const filter = new RegExp(`^(${OPTIONAL_NATIVE.join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'keyready-absent' }));
    build.onLoad({ filter: /.*/, namespace: 'keyready-absent' }, (args) => ({
      contents: `throw Object.assign(new Error(${JSON.stringify(`Cannot find module '${args.path}' (not bundled)`)}), { code: 'MODULE_NOT_FOUND' });`,
      loader: 'js',
    }));
  },
};

/**
 * One Node bundle, written beside its final name and renamed into place: a running agent or collector
 * started from dist/ never reads a half-written file.
 */
async function bundle(entry: string, outfile: string, options: BuildOptions): Promise<void> {
  await esbuild({ entryPoints: [join(ROOT, entry)], outfile: `${outfile}.tmp`, bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', ...options });
  await rename(`${outfile}.tmp`, outfile);
}

/** The agent: every JavaScript dependency inside (the single-file packagers have no node_modules). */
const AGENT_OPTIONS: BuildOptions = { format: 'cjs', external: ['node-hid/package.json'], plugins: [hidAddonPlugin, withoutOptionalNativePlugin], legalComments: 'eof' };
/** The collector: its npm dependencies (native better-sqlite3 among them) load from node_modules. */
const COLLECTOR_OPTIONS: BuildOptions = { format: 'esm', packages: 'external' };

export interface BuildSummary {
  readonly agentBytes: number;
  readonly collectorBytes: number;
  readonly dashboardGzipBytes: number;
  readonly stamp: string;
}

/** Builds everything into dist/; the stamp is written last, so a failed build is never taken as current. */
export async function build(): Promise<BuildSummary> {
  const stamp = sourceStamp();
  await rm(STAMP_FILE, { force: true });
  await mkdir(DIST, { recursive: true });
  await bundle(join('agent', 'cli.ts'), AGENT_BUNDLE, AGENT_OPTIONS);
  // The writer thread and the front first: a collector started from dist/ meanwhile finds their code.
  await bundle(join('collector', 'store', 'sqlite', 'writer-thread.ts'), SQLITE_WRITER_BUNDLE, COLLECTOR_OPTIONS);
  await bundle(join('collector', 'front', 'front.ts'), FRONT_BUNDLE, COLLECTOR_OPTIONS);
  await bundle(join('collector', 'cli.ts'), COLLECTOR_BUNDLE, COLLECTOR_OPTIONS);
  const dashboard = await buildDashboard(DASHBOARD_DIR);
  await writeFile(STAMP_FILE, `${JSON.stringify({ stamp, builtAt: new Date().toISOString() })}\n`);
  return {
    agentBytes: (await stat(AGENT_BUNDLE)).size,
    collectorBytes: (await stat(COLLECTOR_BUNDLE)).size,
    dashboardGzipBytes: dashboard.jsGzipBytes + dashboard.cssGzipBytes,
    stamp,
  };
}

/** Builds only when dist/ is missing or older than the sources (tests and `npm run package` call this). */
export async function buildIfStale(): Promise<BuildSummary | null> {
  return builtStamp() === sourceStamp() ? null : build();
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  try {
    const summary = await build();
    console.log(`built dist/: keyready-agent.cjs ${kb(summary.agentBytes)}, keyready-collector.mjs ${kb(summary.collectorBytes)}, dashboard ${kb(summary.dashboardGzipBytes)} gzipped`);
  } catch (error) {
    console.error(`build failed: ${errorText(error)}`);
    process.exitCode = 1;
  }
}
