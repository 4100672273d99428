import { describe, expect, it } from 'vitest';
import { runKeys, type KeysIo } from '../../../../agent/commands/keys.ts';
import { VirtualHidBackend, fidoDevice } from '../../../../sim/authenticator/in-process.ts';
import { until } from '../../../support/eventually.ts';
import {
  ATKEY_MODEL_PROFILES,
  ATKEY_PRO_PUBLISHED,
  ATKEY_SENSOR,
  U2F_ONLY,
  atkeyConfig,
} from '../../../../sim/authenticator/profiles.ts';

function capture(backend: VirtualHidBackend, extra: Partial<KeysIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: KeysIo = { stdout: (l) => out.push(l), stderr: (l) => err.push(l), backend, ...extra };
  return { io, out, err };
}

const published = () => new VirtualHidBackend([{ info: fidoDevice(), config: { getInfo: ATKEY_PRO_PUBLISHED, sensor: ATKEY_SENSOR } }]);

describe('keyready-agent keys', () => {
  it('describes the published ATKey.Pro in English', async () => {
    const { io, out } = capture(published());
    expect(await runKeys({ json: false, watch: false, lang: 'en', hidUdp: null }, io)).toBe(0);
    expect(out).toEqual([
      'FIDO security keys found: 1',
      '',
      'ATKey.Pro CTAP2.0',
      '  USB: 31bb:0622 "ATKey.Pro"',
      '  AAGUID: e1a96183-5016-4f24-b55b-e3ae23614cc6',
      '  Versions: U2F_V2, FIDO_2_0, FIDO_2_1_PRE',
      '  Firmware: 10013',
      '  PIN: not set',
      '  Fingerprints: enrolled',
      '  Built-in verification: configured',
      '  Sensor: touch sensor, 12 touches to enroll a finger',
      '  Next: ready on the key. If not done yet, register it at https://aka.ms/mysecurityinfo (guide step 3), then sign in with it (step 4).',
    ]);
  });

  it('describes it in Japanese, with the ATKey.Card NFC PIN restriction', async () => {
    const card = ATKEY_MODEL_PROFILES.find((m) => m.noMcGaPermissionsWithClientPin)!;
    const { io, out } = capture(new VirtualHidBackend([{ info: fidoDevice(), config: atkeyConfig(card, 'pin-only') }]));
    // PIN only on a key that refuses PIN-only sign-in: not usable yet, so exit 1 with what to do.
    expect(await runKeys({ json: false, watch: false, lang: 'ja', hidUdp: null }, io)).toBe(1);
    expect(out).toContain('  PIN: 設定済み');
    expect(out).toContain('  指紋: 未登録 (ガイドの手順 2)');
    expect(out).toContain('  このキーでは PIN だけではサインインできません。指紋が必要です。');
    expect(out.find((l) => l.startsWith('  次にすること: '))).toMatch(/PIN は設定済みで、指紋はまだです \(ガイドの手順 2\): 指紋を登録してください: 設定 > アカウント/);
    expect(out.find((l) => l.startsWith('  バージョン: '))).toMatch(/^ {2}バージョン: \S+(、\S+)+$/);
    expect(out.at(-1)).toBe('使えるキーがありません: どのキーもまだ Windows にサインインできません (各キーの「次にすること」を参照)。');
  });

  it('calls a device it cannot open "unreadable", never "not an ATKey"', async () => {
    const other = capture(new VirtualHidBackend([{ info: fidoDevice({ vendorId: 0x1050, productId: 0x0407, product: null }), config: U2F_ONLY, openFailure: 'Permission denied' }]));
    expect(await runKeys({ json: false, watch: false, lang: 'ja', hidUdp: null }, other.io)).toBe(1);
    expect(other.out).toContain('読み取れない FIDO デバイス (モデル不明)');
    expect(other.out.join('\n')).not.toContain('ATKey ではありません');
  });

  it('exits 1 when no key is usable: none plugged in, or one without fingerprint or PIN', async () => {
    const none = capture(new VirtualHidBackend());
    expect(await runKeys({ json: false, watch: false, lang: 'en', hidUdp: null }, none.io)).toBe(1);
    const bare = capture(new VirtualHidBackend([{ info: fidoDevice(), config: atkeyConfig(ATKEY_MODEL_PROFILES[1]!, 'nothing') }]));
    expect(await runKeys({ json: false, watch: false, lang: 'en', hidUdp: null }, bare.io)).toBe(1);
    expect(bare.out.find((l) => l.startsWith('  Next: '))).toMatch(/^ {2}Next: no fingerprint and no PIN \(guide step 2\): enrol a fingerprint: .*3 clicks, white LED flashing, about 12 touches until blue/);
  });

  it('says "no key", "access denied" and "U2F only" as different things', async () => {
    const none = capture(new VirtualHidBackend());
    await runKeys({ json: false, watch: false, lang: 'en', hidUdp: null }, none.io);
    expect(none.out[0]).toMatch(/^No FIDO security key found/);

    const denied = capture(
      new VirtualHidBackend([
        { info: fidoDevice(), config: U2F_ONLY, openFailure: 'Permission denied' },
        { info: fidoDevice({ vendorId: 0x1050, productId: 0x0120, product: null }), config: U2F_ONLY },
      ]),
    );
    expect(await runKeys({ json: false, watch: false, lang: 'en', hidUdp: null }, denied.io)).toBe(1);
    expect(denied.out).toContain('AuthenTrend key (model not identified)');
    expect(denied.out).toContain('  Next: run the agent as the KeyReady service or from an administrator prompt');
    expect(denied.out.some((l) => l.startsWith('  Access denied: Windows lets only elevated processes'))).toBe(true);
    expect(denied.out).toContain('  U2F only (no FIDO2): this key cannot be used for Windows sign-in.');
  });

  it('prints facts.keys as JSON', async () => {
    const { io, out } = capture(published());
    await runKeys({ json: true, watch: false, lang: 'en', hidUdp: null }, io);
    const parsed = JSON.parse(out.join('\n'));
    expect(parsed).toMatchObject({ schema: 'keyready.keys/1', hid: { state: 'ok', backend: 'virtual' } });
    expect(parsed.keys[0]).toMatchObject({ model: 'ATKey.Pro CTAP2.0', pinSet: false, fingerprintEnrolled: true });
  });

  it('exits 2 with a clear message when HID cannot be listed', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const broken = { name: 'hidraw', enumerate: () => Promise.reject(new Error('libudev.so.1 missing')), open: () => Promise.reject(new Error('no')) };
    const code = await runKeys({ json: false, watch: false, lang: 'en', hidUdp: null }, { stdout: (l) => out.push(l), stderr: (l) => err.push(l), backend: broken });
    expect(code).toBe(2);
    expect(err).toEqual(['Cannot list USB HID devices: libudev.so.1 missing']);
  });

  it('--watch prints plug, change and unplug events until stopped', async () => {
    const backend = new VirtualHidBackend();
    const controller = new AbortController();
    const { io, out } = capture(backend, { signal: controller.signal, watchIntervalMs: 20 });
    const running = runKeys({ json: true, watch: true, lang: 'en', hidUdp: null }, io);
    const waitFor = (n: number) => until(`${n} lines printed`, () => out.length >= n);
    await waitFor(1);
    const info = fidoDevice();
    backend.plug({ info, config: atkeyConfig(ATKEY_MODEL_PROFILES[1]!, 'nothing') });
    await waitFor(2);
    backend.unplug(info.path);
    await waitFor(3);
    controller.abort();
    expect(await running).toBe(0);
    expect(out.map((l) => JSON.parse(l).event)).toEqual(['present', 'plug', 'unplug']);
    expect(JSON.parse(out[1]!).key.model).toBe('ATKey.Pro CTAP2.1');
  });

  it('refuses a malformed --hid-udp before touching any device', async () => {
    const err: string[] = [];
    const code = await runKeys({ json: false, watch: false, lang: 'en', hidUdp: 'localhost' }, { stdout: () => {}, stderr: (l) => err.push(l) });
    expect(code).toBe(2);
    expect(err[0]).toBe('--hid-udp expects HOST:PORT (for example 127.0.0.1:8111), got "localhost"');
  });
});
