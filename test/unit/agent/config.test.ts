import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, defaultConfigPath, defaultDataDir, insecureCollector, readConfigFile, requireSecureCollector, resolveConfig } from '../../../agent/config.ts';
import { parsePin } from '../../../agent/link/tls.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyready-config-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'agent.json'), text);
  return join(dir, 'agent.json');
}

describe('agent configuration', () => {
  it('reads agent.json with documented defaults for what it leaves out', () => {
    const file = readConfigFile(
      configFile('\uFEFF{"collector": "wss://collector.corp.example:8443", "tags": {"site": "Osaka", "department": "Sales"}, "intervals": {"fullCheckMs": 1800000}}'),
      true,
    );
    expect(file).toMatchObject({
      collector: 'wss://collector.corp.example:8443',
      tags: { site: 'Osaka', department: 'Sales' },
      intervals: { fullCheckMs: 1_800_000, reprobeMs: 60_000 },
      reconnect: { baseMs: 1_000, capMs: 600_000 },
      outbox: { maxEntries: 1_000, maxBytes: 16 * 1024 * 1024 },
      log: { level: 'info', maxFiles: 5 },
    });
  });

  it('lets flags override the file, validated the same way', () => {
    const file = readConfigFile(configFile('{"collector": "wss://old.example", "tags": {"site": "Kobe"}}'), true);
    const config = resolveConfig(file, { collector: 'ws://127.0.0.1:8080', enrollSecret: 's3cret', caFile: undefined });
    expect(config.collector).toBe('ws://127.0.0.1:8080');
    expect(config.enrollSecret).toBe('s3cret');
    expect(config.tags).toEqual({ site: 'Kobe' });
    expect(() => resolveConfig(file, { collector: 'http://127.0.0.1' })).toThrow(/--collector: collector must be a ws:\/\/ or wss:\/\/ URL/);
    expect(() => resolveConfig(file, { certificatePin: 'abc' })).toThrow(/--certificate-pin/);
  });

  it('accepts both pin forms, keeping each verbatim for the link to parse into the 32-byte hash it pins', () => {
    const base = readConfigFile(configFile('{}'), true);
    const spkiText = `sha256/${'A'.repeat(43)}=`; // base64 of 32 zero bytes
    const spki = resolveConfig(base, { collector: 'wss://c', certificatePin: spkiText });
    expect(spki.certificatePin).toBe(spkiText);
    expect(parsePin(spki.certificatePin!)).toEqual({ kind: 'spki', sha256: Buffer.alloc(32, 0) });
    const hexText = Array.from({ length: 32 }, () => 'AB').join(':');
    const hex = resolveConfig(base, { collector: 'wss://c', certificatePin: hexText });
    expect(hex.certificatePin).toBe(hexText);
    expect(parsePin(hex.certificatePin!)).toEqual({ kind: 'certificate', sha256: Buffer.alloc(32, 0xab) });
    // One byte short of a SHA-256 in either form is refused, not pinned to a truncated hash.
    expect(() => resolveConfig(base, { collector: 'wss://c', certificatePin: `sha256/${'A'.repeat(42)}=` })).toThrow(/--certificate-pin/);
    expect(() => resolveConfig(base, { collector: 'wss://c', certificatePin: hexText.slice(3) })).toThrow(/--certificate-pin/);
  });

  it('names the field in error, for a typo, a bad value and broken JSON', () => {
    expect(() => readConfigFile(configFile('{"colector": "wss://x"}'), true)).toThrow(/Unrecognized key.*colector/);
    expect(() => readConfigFile(configFile('{"reconnect": {"baseMs": 5000, "capMs": 1000}}'), true)).toThrow(/reconnect: reconnect.capMs must not be below/);
    expect(() => readConfigFile(configFile('{"intervals": {"fullCheckMs": 5}}'), true)).toThrow(/intervals.fullCheckMs/);
    expect(() => readConfigFile(configFile('{"collector": '), true)).toThrow(/not valid JSON/);
    expect(() => readConfigFile(configFile('{}'), true)).not.toThrow();
  });

  it('requires a collector from somewhere', () => {
    expect(() => resolveConfig(readConfigFile(configFile('{}'), true), {})).toThrow(ConfigError);
    expect(() => resolveConfig(readConfigFile(configFile('{}'), true), {})).toThrow(/pass --collector/);
  });

  it('treats a missing default file as all defaults, a missing --config file as an error', () => {
    expect(readConfigFile('/nonexistent/agent.json', false).intervals.fullCheckMs).toBe(3_600_000);
    expect(() => readConfigFile('/nonexistent/agent.json', true)).toThrow(/cannot read the configuration/);
  });

  it('lives in %ProgramData%\\KeyReady on Windows and in the data directory elsewhere', () => {
    const env = { ProgramData: 'D:\\ProgramData' };
    expect(defaultDataDir('win32', env)).toBe('D:\\ProgramData\\KeyReady');
    expect(defaultConfigPath('E:\\elsewhere', 'win32', env)).toBe('D:\\ProgramData\\KeyReady\\agent.json');
    expect(defaultConfigPath('/var/lib/keyready', 'linux', {})).toBe('/var/lib/keyready/agent.json');
    expect(defaultDataDir('linux', { KEYREADY_DATA_DIR: '/srv/kr' })).toBe('/srv/kr');
  });

  it('refuses plain ws:// to another host unless allowInsecure says so; loopback and wss:// need nothing', () => {
    for (const collector of ['ws://127.0.0.1:8080', 'ws://127.9.9.9', 'ws://localhost:8080/agent', 'ws://LOCALHOST', 'ws://[::1]:8080', 'wss://keyready.example.com', 'wss://10.0.0.5:8443']) {
      expect(insecureCollector({ collector, allowInsecure: false }), collector).toBeNull();
    }
    for (const [collector, host] of [
      ['ws://10.0.0.5:8080', '10.0.0.5'],
      ['ws://keyready.example.com', 'keyready.example.com'],
      ['ws://[fd00::2]:8080', '[fd00::2]'],
      ['ws://128.0.0.1', '128.0.0.1'],
      ['ws://127.0.0.1.example.com', '127.0.0.1.example.com'],
      ['ws://localhost.example.com', 'localhost.example.com'],
    ] as const) {
      expect(insecureCollector({ collector, allowInsecure: false }), collector).toBe(host);
      expect(insecureCollector({ collector, allowInsecure: true }), collector).toBeNull();
    }
    expect(() => requireSecureCollector({ collector: 'ws://10.0.0.5:8080', allowInsecure: false }, '--allow-insecure')).toThrow(
      'ws://10.0.0.5:8080 is plain ws:// to 10.0.0.5, which is not this PC: reports (user names, the tenant) and the device token would cross the network unencrypted. Use wss://, or accept that explicitly with --allow-insecure',
    );
    // The file's setting counts, and the flag turns it on; absent, it is off.
    const file = readConfigFile(configFile('{"collector": "ws://10.0.0.5:8080"}'), true);
    expect(resolveConfig(file, {}).allowInsecure).toBe(false);
    expect(resolveConfig(file, { allowInsecure: true }).allowInsecure).toBe(true);
    expect(readConfigFile(configFile('{"collector": "ws://10.0.0.5:8080", "allowInsecure": true}'), true).allowInsecure).toBe(true);
  });
});
