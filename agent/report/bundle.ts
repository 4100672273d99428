// The support bundle written by `keyready-agent collect --out DIR` and replayed by `check --from DIR`:
//
//   DIR/manifest.json        { format: "keyready.bundle/1", agentVersion, collectedAt,
//                              sources: { dsregcmd|registry|os|hid: { state, reason, file } } }
//   DIR/dsregcmd-status.txt  `dsregcmd /status` output as captured (UTF-8)
//   DIR/registry.json        { queries: [{ key, exitCode, stdout, stderr }] } — raw `reg query` outputs
//   DIR/os.json              { hostname, platform, release, inventory, inventoryNote }
//   DIR/hid.json             the HID scan capture: per device, INIT/getInfo/sensor-info reply bytes (agent/fido/capture.ts)
//
// A source that was not collected has no file and keeps its state and reason in the manifest, so the
// replay reproduces the same report. A missing or corrupt file makes that source an error, not a crash.
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { SourceState } from '../../protocol/report.ts';
import { AgentError } from '../errors.ts';
import { dsregcmdProbe } from '../probes/dsregcmd.ts';
import { hidProbe, type HidRaw } from '../probes/hid.ts';
import { osProbe, type OsRaw } from '../probes/os.ts';
import { registryProbe, type RegistryRaw } from '../probes/registry.ts';
import { errorText } from '../../protocol/error-text.ts';
import { parseJsonFile, sourceState, type Capture, type Probe } from '../probes/source.ts';

export const BUNDLE_FORMAT = 'keyready.bundle/1';
export const MANIFEST_FILE = 'manifest.json';
/** Far above any real probe output (a dsregcmd text is ~5 KB, registry.json ~20 KB). */
const MAX_BUNDLE_FILE_BYTES = 4 * 1024 * 1024;

export interface Captures {
  readonly dsregcmd: Capture<string>;
  readonly registry: Capture<RegistryRaw>;
  readonly os: Capture<OsRaw>;
  readonly hid: Capture<HidRaw>;
}

const ManifestSource = SourceState.extend({ file: z.string().nullable() });
export const BundleManifest = z.object({
  format: z.literal(BUNDLE_FORMAT),
  agentVersion: z.string(),
  collectedAt: z.string(),
  sources: z.object({ dsregcmd: ManifestSource, registry: ManifestSource, os: ManifestSource, hid: ManifestSource }),
});
export type BundleManifest = z.infer<typeof BundleManifest>;

/** Writes a bundle into a new or empty folder; the manifest goes last, so a half-written bundle has none. */
export async function writeBundle(dir: string, captures: Captures, meta: { agentVersion: string; collectedAt: string }): Promise<void> {
  const existing = await readdir(dir).catch(() => null);
  if (existing !== null && existing.length > 0) throw new AgentError({ key: 'reason.bundle.not-empty', params: { dir } });
  const written: string[] = [];
  let created: string | undefined;
  async function save<Raw>(probe: Probe<Raw>, capture: Capture<Raw>): Promise<z.infer<typeof ManifestSource>> {
    if (capture.raw === null) return { ...capture.state, file: null };
    const path = join(dir, probe.file);
    await writeFile(path, probe.serialize(capture.raw), { flag: 'wx' });
    written.push(path);
    return { ...capture.state, file: probe.file };
  }
  try {
    created = await mkdir(dir, { recursive: true });
    const manifest: BundleManifest = {
      format: BUNDLE_FORMAT,
      ...meta,
      sources: {
        dsregcmd: await save(dsregcmdProbe, captures.dsregcmd),
        registry: await save(registryProbe, captures.registry),
        os: await save(osProbe, captures.os),
        hid: await save(hidProbe, captures.hid),
      },
    };
    await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
  } catch (error) {
    // Leave nothing half-written: remove only what this call wrote or created.
    await Promise.all(written.map((path) => rm(path, { force: true }).catch(() => undefined)));
    if (created !== undefined) await rm(created, { recursive: true, force: true }).catch(() => undefined);
    throw new AgentError({ key: 'reason.bundle.write-failed', params: { dir, message: errorText(error) } });
  }
}

async function replaySource<Raw>(dir: string, probe: Probe<Raw>, entry: z.infer<typeof ManifestSource>): Promise<Capture<Raw>> {
  // The file name is the probe's own, never taken from the manifest (no path from a bundle is trusted).
  const { file: _file, ...state } = entry;
  if (state.state !== 'ok') return { state, raw: null };
  const name = probe.file;
  let bytes: Buffer;
  try {
    const size = (await stat(join(dir, name))).size;
    if (size > MAX_BUNDLE_FILE_BYTES) {
      return { state: sourceState('error', { key: 'reason.bundle.corrupt', params: { file: name, problem: `${size} bytes is too large` } }), raw: null };
    }
    bytes = await readFile(join(dir, name));
  } catch {
    return { state: sourceState('error', { key: 'reason.bundle.missing-file', params: { file: name } }), raw: null };
  }
  const decoded = probe.deserialize(bytes);
  return decoded.ok ? { state, raw: decoded.raw } : { state: sourceState('error', decoded.reason), raw: null };
}

export async function readBundle(dir: string): Promise<{ manifest: BundleManifest; captures: Captures }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, MANIFEST_FILE));
  } catch {
    throw new AgentError({ key: 'reason.bundle.no-manifest', params: { dir } });
  }
  const parsed = parseJsonFile(bytes, BundleManifest, MANIFEST_FILE);
  if (!parsed.ok) throw new AgentError(parsed.reason);
  const manifest = parsed.raw;
  return {
    manifest,
    captures: {
      dsregcmd: await replaySource(dir, dsregcmdProbe, manifest.sources.dsregcmd),
      registry: await replaySource(dir, registryProbe, manifest.sources.registry),
      os: await replaySource(dir, osProbe, manifest.sources.os),
      hid: await replaySource(dir, hidProbe, manifest.sources.hid),
    },
  };
}
