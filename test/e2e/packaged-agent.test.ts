// The packaged Linux agent (dist/keyready-agent-linux-x64: Node's single-executable format, built by
// `npm run package`) against the built bundle run through node: the same answers from the same inputs.
// Both are real processes; the key is the virtual authenticator over UDP, and node-hid's addon is the
// real hidraw prebuild carried inside the binary.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { agent, type Run } from '../support/agent-cli.ts';
import { LINUX_EXE, packageIfStale } from '../../installers/package.ts';
import { useTmpDir } from '../support/tmp.ts';
import { useUdpAuthenticators } from '../support/udp-authenticator.ts';
import { ATKEY_MODEL_PROFILES, atkeyConfig } from '../../sim/authenticator/profiles.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'dsregcmd');
const FREE_PORT = { KEYREADY_HID_UDP_LOCAL_PORT: '0' };
const packaged = (args: string[], env: Record<string, string> = {}): Promise<Run> => agent(args, env, [LINUX_EXE]);
const tmp = useTmpDir('keyready-packaged-');

/** A report without the times of the run (when it was made, when the keys were scanned). */
function comparable(run: Run): unknown {
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout, (key, value: unknown) => (key === 'generatedAt' || key === 'observedAt' ? typeof value : value));
}

beforeAll(packageIfStale, 300_000);

const startKey = useUdpAuthenticators();

describe('the packaged Linux agent', () => {
  it('prints the version of package.json', async () => {
    const run = await packaged(['--version']);
    expect(run).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it.each(readdirSync(FIXTURES).filter((f) => f.endsWith('.txt')).slice(0, 4))('check --dsregcmd %s --json: the same report and exit code as the built bundle', async (fixture) => {
    const args = ['check', '--json', '--dsregcmd', join(FIXTURES, fixture), '--data-dir', tmp()];
    const [fromExe, fromBundle] = await Promise.all([packaged(args), agent(args)]);
    expect(fromExe.code).toBe(fromBundle.code);
    expect([0, 1]).toContain(fromExe.code);
    expect(comparable(fromExe)).toEqual(comparable(fromBundle));
  });

  it('keys --json --hid-udp: the same key facts from a real CTAPHID exchange', async () => {
    const server = await startKey(atkeyConfig(ATKEY_MODEL_PROFILES[1]!, 'pin-only'));
    const args = ['keys', '--json', '--hid-udp', `127.0.0.1:${server.port}`, '--data-dir', tmp()];
    const fromExe = await packaged(args, FREE_PORT);
    const fromBundle = await agent(args, FREE_PORT);
    expect(fromExe.code, fromExe.stderr).toBe(0);
    expect(JSON.parse(fromExe.stdout)).toEqual(JSON.parse(fromBundle.stdout));
    expect(JSON.parse(fromExe.stdout).keys).toEqual([expect.objectContaining({ model: 'ATKey.Pro CTAP2.1', pinSet: true, fingerprintEnrolled: false })]);
  });
});

describe("node-hid's addon inside the packaged agent", () => {
  const prebuild = readFileSync(join(createRequire(import.meta.url).resolve('node-hid/package.json'), '..', 'prebuilds', 'HID_hidraw-linux-x64', 'node-napi-v4.node'));
  const hash = createHash('sha256').update(prebuild).digest('hex');
  const addonFile = (dataDir: string) => join(dataDir, 'native', `HID_hidraw-${hash.slice(0, 16)}.node`);

  it('is written under the data directory, byte for byte the prebuild, and loaded from there', async () => {
    const dataDir = join(tmp(), 'addon-ok');
    const run = await packaged(['keys', '--json', '--data-dir', dataDir]);
    // Exit 1: the scan ran and found no usable key (none is plugged in here); 2 would be HID unavailable.
    expect(run.code, run.stderr).toBe(1);
    // hidapi's hidraw backend initialises on any Linux: the scan ran (no key is plugged in here).
    expect(JSON.parse(run.stdout).hid).toEqual({ state: 'ok', reason: null, backend: 'hidraw' });
    expect(createHash('sha256').update(readFileSync(addonFile(dataDir))).digest('hex')).toBe(hash);
  });

  it('replaces a file that was changed on disk with its own bytes before loading it', async () => {
    const dataDir = join(tmp(), 'addon-swapped');
    await packaged(['keys', '--json', '--data-dir', dataDir]);
    // Loading these bytes would fail (not an ELF object), or run someone else's code.
    writeFileSync(addonFile(dataDir), Buffer.from('not the addon the exe carries'));
    const run = await packaged(['keys', '--json', '--data-dir', dataDir]);
    expect(run.code, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout).hid.state).toBe('ok');
    expect(createHash('sha256').update(readFileSync(addonFile(dataDir))).digest('hex')).toBe(hash);
  });
});
