// The live capture paths (spawning dsregcmd and reg.exe, classifying what they print and how they
// exit). Windows cannot run here, so small shell scripts named `dsregcmd` and `reg` stand in for
// the Windows tools on PATH: they print a real capture and reg-query-shaped text, and exit like them.
import { chmod, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureDsregcmd, interpretDsregcmd } from '../../../../agent/probes/dsregcmd.ts';
import { captureRegistry, interpretRegistry, REGISTRY_KEYS } from '../../../../agent/probes/registry.ts';
import { DSREGCMD_DIR } from '../../../../sim/fleet/captures.ts';
import { regQueryText } from '../../../../sim/fleet/reg-text.ts';
import { useTmpDir } from '../../../support/tmp.ts';

const tmp = useTmpDir('keyready-live-tools-');
const originalPath = process.env.PATH;

async function tool(name: string, script: string): Promise<void> {
  const file = join(tmp(), name);
  await writeFile(file, `#!/bin/sh\n${script}\n`);
  await chmod(file, 0o755);
}

beforeEach(() => {
  process.env.PATH = `${tmp()}${delimiter}${originalPath ?? ''}`;
});
afterEach(() => {
  process.env.PATH = originalPath;
});

describe.skipIf(process.platform === 'win32')('live capture through the Windows tools (stand-ins)', () => {
  it('captures dsregcmd /status output, keeping the raw text', async () => {
    const capture = join(DSREGCMD_DIR, '01_entra-joined_win10-19041_prt-yes_FULL.txt');
    await tool('dsregcmd', `[ "$1" = "/status" ] || exit 9\ncat '${capture}'`);
    const result = await captureDsregcmd('win32');
    expect(result.state.state).toBe('ok');
    const facts = interpretDsregcmd(result.raw ?? '');
    expect(facts.ok && facts.join.type).toBe('entra');
  });

  it('reports an empty dsregcmd output as an error with its reason', async () => {
    await tool('dsregcmd', 'echo "The system cannot find the file specified." >&2; exit 1');
    const result = await captureDsregcmd('win32');
    expect(result).toEqual({ state: expect.objectContaining({ state: 'error', reason: 'dsregcmd output is empty' }), raw: null });
  });

  it('queries each key in the 64-bit view; a missing key (exit 1, message on stdout as Wine prints it) is "not set"', async () => {
    const fido = regQueryText(REGISTRY_KEYS.fidoPolicy, { EnableFIDODeviceLogon: 1 });
    const build = regQueryText(REGISTRY_KEYS.currentVersion, { CurrentBuild: '18362', ReleaseId: '1903', EditionID: 'Professional' });
    const provider = regQueryText(REGISTRY_KEYS.fidoProvider, {});
    await tool(
      'reg',
      [
        '[ "$1" = "query" ] && [ "$3" = "/reg:64" ] || exit 9',
        'case "$2" in',
        `  '${REGISTRY_KEYS.fidoPolicy}') printf '%s' '${fido}' ;;`,
        `  '${REGISTRY_KEYS.currentVersion}') printf '%s' '${build}' ;;`,
        `  '${REGISTRY_KEYS.fidoProvider}') printf '%s' '${provider}' ;;`,
        "  *) echo 'reg: Unable to find the specified registry value'; exit 1 ;;",
        'esac',
      ].join('\n'),
    );
    const result = await captureRegistry('win32');
    expect(result.state.state).toBe('ok');
    expect(result.raw?.queries).toHaveLength(Object.keys(REGISTRY_KEYS).length);
    const facts = result.raw ? interpretRegistry(result.raw) : null;
    expect(facts?.ok && facts.facts).toMatchObject({
      policy: { useSecurityKeyForSignin: null, enableFidoDeviceLogon: 1 },
      credentialProvider: { registered: true, excluded: false, lastLoggedOnProvider: null },
      os: { build: 18362, ubr: null, displayVersion: '1903', windows11: false },
    });
  });

  it('makes the registry source an error when reg.exe is blocked, never "not set"', async () => {
    await tool('reg', "echo 'ERROR: Access is denied.' >&2; exit 1");
    const result = await captureRegistry('win32');
    const facts = result.raw ? interpretRegistry(result.raw) : null;
    expect(facts).toMatchObject({ ok: false, reason: { key: 'reason.failed' } });
    expect(facts && !facts.ok && facts.reason.params.message).toContain('Access is denied');
  });

  it('says plainly that dsregcmd and the registry exist only on Windows elsewhere', async () => {
    expect((await captureDsregcmd('darwin')).state).toMatchObject({ state: 'unsupported', reason: 'dsregcmd exists only on Windows (this is darwin)' });
    expect((await captureRegistry('linux')).state).toMatchObject({ state: 'unsupported', reason: 'the Windows registry exists only on Windows (this is linux)' });
  });
});
