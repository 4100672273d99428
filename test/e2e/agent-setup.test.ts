// `keyready-agent setup` as the MSI runs it, through the real CLI: on Linux it writes agent.json and
// the folders and names the Windows steps it skipped (the Windows commands are unit-tested as values).
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentConfigFile } from '../../agent/config.ts';
import { agent } from '../support/agent-cli.ts';
import { useTmpDir } from '../support/tmp.ts';

const COLLECTOR = 'wss://keyready.example.com:8443';
const PIN = `sha256/${'A'.repeat(43)}=`;

/** The custom action's command line: every property quoted, empty when the admin did not give it. */
function msiSetup(dataDir: string, props: { collector?: string; secret?: string; pin?: string; insecure?: string; tags?: string }, lang?: string) {
  const args = [
    'setup', '--collector', props.collector ?? '', '--enroll-secret', props.secret ?? '', '--certificate-pin', props.pin ?? '',
    '--allow-insecure', props.insecure ?? '', '--tags', props.tags ?? '',
  ];
  return agent([...args, '--data-dir', dataDir], lang ? { LANG: lang } : {});
}

const readConfig = (dataDir: string): unknown => JSON.parse(readFileSync(join(dataDir, 'agent.json'), 'utf8'));

describe('setup', () => {
  const tmp = useTmpDir('keyready-setup-');

  it('writes agent.json from the properties, owner-only, and says which Windows steps it skipped', async () => {
    const dataDir = join(tmp(), 'first');
    const run = await msiSetup(dataDir, { collector: COLLECTOR, secret: 'fleet-secret', pin: PIN, tags: 'site=Osaka;dept=Sales' });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(
      `Configuration saved to ${join(dataDir, 'agent.json')} (collector ${COLLECTOR})\n` +
        'Not Windows: the data folder is owner-only (chmod 700); skipped the Windows steps: folder permissions (icacls), logon task (schtasks), service recovery (sc.exe)\n',
    );
    const config = readConfig(dataDir);
    expect(config).toEqual({ collector: COLLECTOR, enrollSecret: 'fleet-secret', certificatePin: PIN, tags: { site: 'Osaka', dept: 'Sales' } });
    expect(AgentConfigFile.safeParse(config).success).toBe(true);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'agent.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'user')).isDirectory()).toBe(true);
    const log = readFileSync(join(dataDir, 'setup.log'), 'utf8');
    expect(log).toContain(`Configuration saved to ${join(dataDir, 'agent.json')}`);
    expect(log).not.toContain('fleet-secret');
  });

  it('on a reinstall keeps every value whose property is empty, and what an admin added by hand', async () => {
    const dataDir = join(tmp(), 'upgrade');
    expect((await msiSetup(dataDir, { collector: COLLECTOR, secret: 'fleet-secret', tags: 'site=Osaka' })).code).toBe(0);
    const edited = { ...(readConfig(dataDir) as object), intervals: { fullCheckMs: 600_000 } };
    writeFileSync(join(dataDir, 'agent.json'), JSON.stringify(edited));

    const upgrade = await msiSetup(dataDir, { tags: 'site=Kyoto; floor=3' });
    expect(upgrade.code).toBe(0);
    expect(upgrade.stdout).toContain('Kept from the earlier configuration: COLLECTOR_URL, ENROLL_SECRET\n');
    expect(readConfig(dataDir)).toEqual({ collector: COLLECTOR, enrollSecret: 'fleet-secret', tags: { site: 'Kyoto', floor: '3' }, intervals: { fullCheckMs: 600_000 } });

    const moved = await msiSetup(dataDir, { collector: 'wss://new.example.com' });
    expect(moved.code).toBe(0);
    expect(readConfig(dataDir)).toMatchObject({ collector: 'wss://new.example.com', enrollSecret: 'fleet-secret' });
  });

  it('refuses a bad value naming the property, in one line, in English and Japanese, changing nothing', async () => {
    const dataDir = join(tmp(), 'refused');
    expect((await msiSetup(dataDir, { collector: COLLECTOR, secret: 'fleet-secret' })).code).toBe(0);
    const before = readFileSync(join(dataDir, 'agent.json'));

    const url = await msiSetup(dataDir, { collector: 'https://keyready.example.com' });
    expect(url).toMatchObject({ code: 2, stdout: '' });
    expect(url.stderr).toBe('keyready-agent: COLLECTOR_URL (--collector) must be a ws:// or wss:// URL such as wss://keyready.example.com:8443 (got "https://keyready.example.com")\n');
    const ja = await msiSetup(dataDir, { tags: 'site' }, 'ja_JP.UTF-8');
    expect(ja.code).toBe(2);
    expect(ja.stderr).toBe('keyready-agent: TAGS (--tags) は「名前=値」を ";" で区切って指定してください。最大 32 個、名前は 1～64 文字、値は 256 文字まで、同じ名前は 1 回だけです ("site" に問題があります)\n');
    const pin = await msiSetup(dataDir, { pin: 'not-a-pin' });
    expect(pin.stderr).toMatch(/^keyready-agent: CERTIFICATE_PIN \(--certificate-pin\) must be .*\(got "not-a-pin"\)\n$/);
    const secret = await msiSetup(dataDir, { secret: 's'.repeat(600) });
    expect(secret.stderr).toBe('keyready-agent: ENROLL_SECRET (--enroll-secret) must be 1 to 512 characters (got 600)\n');

    expect(readFileSync(join(dataDir, 'agent.json'))).toEqual(before);
    expect(readFileSync(join(dataDir, 'setup.log'), 'utf8')).toContain('error: COLLECTOR_URL (--collector) must be');
  });

  it('refuses plain ws:// to another host unless ALLOW_INSECURE=1; keeps the choice on upgrade; 0 turns it off', async () => {
    const dataDir = join(tmp(), 'insecure');
    const refused = await msiSetup(dataDir, { collector: 'ws://10.20.30.40:8080', secret: 'fleet-secret' });
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toBe(
      'keyready-agent: ws://10.20.30.40:8080 is plain ws:// to 10.20.30.40, which is not this PC: reports (user names, the tenant) and the device token would cross the network unencrypted. Use wss://, or accept that explicitly with ALLOW_INSECURE=1 (--allow-insecure 1)\n',
    );
    expect(existsSync(join(dataDir, 'agent.json'))).toBe(false);
    const ja = await msiSetup(dataDir, { collector: 'ws://10.20.30.40:8080' }, 'ja_JP.UTF-8');
    expect(ja.stderr).toContain('暗号化されない ws:// 接続です');
    expect((await msiSetup(dataDir, { collector: 'ws://10.20.30.40:8080', insecure: 'yes' })).stderr).toBe(
      'keyready-agent: ALLOW_INSECURE (--allow-insecure) must be 1 (allow plain ws:// to another host) or 0 (wss:// only; the default) (got "yes")\n',
    );
    // Loopback is this PC: no switch needed.
    expect((await msiSetup(join(tmp(), 'loopback'), { collector: 'ws://127.0.0.1:8080' })).code).toBe(0);

    expect((await msiSetup(dataDir, { collector: 'ws://10.20.30.40:8080', secret: 'fleet-secret', insecure: '1' })).code).toBe(0);
    expect(readConfig(dataDir)).toEqual({ collector: 'ws://10.20.30.40:8080', enrollSecret: 'fleet-secret', allowInsecure: true });
    const upgrade = await msiSetup(dataDir, {});
    expect(upgrade.code).toBe(0);
    expect(upgrade.stdout).toContain('Kept from the earlier configuration: COLLECTOR_URL, ENROLL_SECRET, ALLOW_INSECURE\n');
    // Turned off while the collector is still plain ws:// elsewhere: refused, nothing changes.
    const before = readFileSync(join(dataDir, 'agent.json'));
    expect((await msiSetup(dataDir, { insecure: '0' })).code).toBe(2);
    expect(readFileSync(join(dataDir, 'agent.json'))).toEqual(before);
    expect((await msiSetup(dataDir, { collector: 'wss://keyready.example.com:8443', insecure: '0' })).code).toBe(0);
    expect(readConfig(dataDir)).toMatchObject({ collector: 'wss://keyready.example.com:8443', allowInsecure: false });
  });

  it('refuses a first install without a collector, and an existing agent.json it cannot keep', async () => {
    const none = await msiSetup(join(tmp(), 'no-collector'), { secret: 'fleet-secret' });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^keyready-agent: no collector: give COLLECTOR_URL=wss:\/\/host:port to the MSI/);
    expect(existsSync(join(tmp(), 'no-collector', 'agent.json'))).toBe(false);

    const dataDir = join(tmp(), 'broken');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'agent.json'), '{"collector": "wss://c.example", "tags": {"site": 7}}');
    const broken = await msiSetup(dataDir, { collector: COLLECTOR });
    expect(broken.code).toBe(2);
    expect(broken.stderr.split('\n')).toHaveLength(2);
    expect(broken.stderr).toContain('tags.site');
    expect(readFileSync(join(dataDir, 'agent.json'), 'utf8')).toBe('{"collector": "wss://c.example", "tags": {"site": 7}}');
  });

  it('--remove keeps the data folder; --remove --purge deletes it, and only a KeyReady one', async () => {
    const dataDir = join(tmp(), 'removed');
    expect((await msiSetup(dataDir, { collector: COLLECTOR })).code).toBe(0);
    const kept = await agent(['setup', '--remove', '--data-dir', dataDir]);
    expect(kept).toMatchObject({ code: 0, stdout: `Not Windows: skipped removing the logon task (schtasks)\nData folder ${dataDir} kept (configuration, device token, unsent reports)\n` });
    expect(existsSync(join(dataDir, 'agent.json'))).toBe(true);

    const purged = await agent(['setup', '--remove', '--purge', '--data-dir', dataDir]);
    expect(purged.code).toBe(0);
    expect(purged.stdout).toContain(`Data folder ${dataDir} deleted\n`);
    expect(existsSync(dataDir)).toBe(false);

    const stranger = join(tmp(), 'not-ours');
    mkdirSync(stranger);
    writeFileSync(join(stranger, 'thesis.docx'), 'precious');
    const refused = await agent(['setup', '--remove', '--purge', '--data-dir', stranger]);
    expect(refused).toMatchObject({ code: 2, stderr: `keyready-agent: ${stranger} does not look like a KeyReady data folder: not deleted\n` });
    expect(existsSync(join(stranger, 'thesis.docx'))).toBe(true);
  });

  it('refuses --purge without --remove, and configuration given to --remove', async () => {
    const dataDir = join(tmp(), 'flags');
    expect(await agent(['setup', '--purge', '--data-dir', dataDir])).toMatchObject({ code: 2, stderr: 'keyready-agent: --purge is only for setup --remove\n' });
    expect(await agent(['setup', '--remove', '--collector', COLLECTOR, '--data-dir', dataDir])).toMatchObject({
      code: 2,
      stderr: 'keyready-agent: setup --remove takes no configuration (--collector given)\n',
    });
    expect(existsSync(dataDir)).toBe(false);
  });
});
