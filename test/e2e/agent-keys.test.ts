// The real CLI against the virtual authenticator over UDP (--hid-udp): a genuine CTAPHID exchange
// between a child process and a software ATKey, for `keys`, `check` and `collect` + `check --from`.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Report } from '../../protocol/report.ts';
import { useUdpAuthenticators } from '../support/udp-authenticator.ts';
import { ATKEY_MODEL_PROFILES, ATKEY_PRO_PUBLISHED, ATKEY_SENSOR, atkeyConfig } from '../../sim/authenticator/profiles.ts';
import { AGENT_BIN, agent } from '../support/agent-cli.ts';
import { useTmpDir } from '../support/tmp.ts';

const tmp = useTmpDir('keyready-keys-e2e-');
// Replies come back on a free local port: parallel suites must not fight over 7112.
const FREE_PORT = { KEYREADY_HID_UDP_LOCAL_PORT: '0' };

const startKey = useUdpAuthenticators();

describe('keyready-agent keys --hid-udp', () => {
  it('lists the published ATKey.Pro as JSON from a real CTAPHID exchange', async () => {
    const server = await startKey({ getInfo: ATKEY_PRO_PUBLISHED, sensor: ATKEY_SENSOR });
    const run = await agent(['keys', '--json', '--hid-udp', `127.0.0.1:${server.port}`], FREE_PORT);
    expect(run.code, run.stderr).toBe(0);
    const parsed = JSON.parse(run.stdout);
    expect(parsed).toMatchObject({ schema: 'keyready.keys/1', hid: { state: 'ok', backend: 'udp' } });
    expect(parsed.keys).toEqual([
      expect.objectContaining({
        aaguid: 'e1a96183-5016-4f24-b55b-e3ae23614cc6',
        model: 'ATKey.Pro CTAP2.0',
        firmwareVersion: 10013,
        pinSet: false,
        fingerprintEnrolled: true,
        sensor: { fingerprintKind: 1, maxCaptureSamplesRequiredForEnroll: 12, maxTemplateFriendlyName: 32 },
        access: 'ok',
      }),
    ]);
    // Only INIT, getInfo and getFingerprintSensorInfo reached the key: no PIN, no touch.
    expect(server.authenticator.requests.map((r) => (r.cmd === 0x10 ? r.payload[0] : r.cmd))).toEqual([0x06, 0x04, 0x09]);
  });

  it('prints it in Japanese for a person', async () => {
    const server = await startKey(atkeyConfig(ATKEY_MODEL_PROFILES[2]!, 'pin-only'));
    const run = await agent(['keys', '--hid-udp', `127.0.0.1:${server.port}`], { ...FREE_PORT, LANG: 'ja_JP.UTF-8' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('見つかった FIDO セキュリティ キー: 1');
    expect(run.stdout).toContain('ATKey.ProS');
    expect(run.stdout).toContain('  指紋: 未登録 (ガイドの手順 2)');
  });

  it('check --json reports key.* from the key it talked to', async () => {
    const server = await startKey(atkeyConfig(ATKEY_MODEL_PROFILES[1]!, 'pin-only'));
    const run = await agent(['check', '--json', '--hid-udp', `127.0.0.1:${server.port}`], FREE_PORT);
    const report = Report.parse(JSON.parse(run.stdout));
    expect(report.facts.sources.hid.state).toBe('ok');
    expect(report.facts.keys).toEqual([expect.objectContaining({ model: 'ATKey.Pro CTAP2.1', pinSet: true, fingerprintEnrolled: false })]);
    const status = Object.fromEntries(report.checks.filter((c) => c.scope === 'key').map((c) => [c.id, c.status]));
    expect(status).toEqual({ 'key.present': 'pass', 'key.fingerprint': 'fail', 'key.pin': 'pass' });
  });

  it('collect saves the raw getInfo bytes and check --from replays the same key facts', async () => {
    const server = await startKey(atkeyConfig(ATKEY_MODEL_PROFILES[4]!, 'fingerprint-only'));
    const dir = join(tmp(), 'bundle');
    const target = `127.0.0.1:${server.port}`;
    const live = await agent(['check', '--json', '--hid-udp', target], FREE_PORT);
    const collected = await agent(['collect', '--out', dir, '--hid-udp', target], FREE_PORT);
    expect(collected.code, collected.stderr).toBe(0);
    const hid = JSON.parse(await readFile(join(dir, 'hid.json'), 'utf8'));
    expect(hid.devices[0].getInfo).toMatch(/^00a[0-9a-f]/);
    const replay = await agent(['check', '--json', '--from', dir]);
    const keysLive = Report.parse(JSON.parse(live.stdout)).facts.keys;
    const keysReplayed = Report.parse(JSON.parse(replay.stdout)).facts.keys;
    expect(keysReplayed).toEqual(keysLive);
    expect(keysReplayed[0]).toMatchObject({ model: 'ATKey.Card NFC', noMcGaPermissionsWithClientPin: true, fingerprintEnrolled: true, pinSet: false });
  });

  it('reports a silent target as a key it could not read, within its time bound', async () => {
    const started = Date.now();
    const run = await agent(['keys', '--json', '--hid-udp', '127.0.0.1:9'], FREE_PORT);
    // Listed, but not usable: exit 1 (no usable key), not 2 (HID could not be listed).
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).keys[0]).toMatchObject({ access: 'error', error: expect.stringMatching(/^TIMEOUT: /) });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('--watch prints the keys present, keeps watching, and exits 0 on Ctrl+C', async () => {
    const server = await startKey(atkeyConfig(ATKEY_MODEL_PROFILES[0]!, 'both'));
    const child = spawn(process.execPath, [AGENT_BIN, 'keys', '--watch', '--json', '--hid-udp', `127.0.0.1:${server.port}`], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...FREE_PORT },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; !stdout.includes('\n') && i < 300; i++) await new Promise((r) => setTimeout(r, 50));
    expect(JSON.parse(stdout.split('\n')[0]!)).toMatchObject({ event: 'present', keys: [{ model: 'ATKey.Pro CTAP2.0' }] });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
