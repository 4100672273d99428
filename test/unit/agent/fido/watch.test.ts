import { describe, expect, it } from 'vitest';
import { watchKeys, type KeyEvent } from '../../../../agent/fido/watch.ts';
import { keysFromCapture } from '../../../../agent/fido/keyinfo.ts';
import { VirtualHidBackend, fidoDevice } from '../../../../sim/authenticator/in-process.ts';
import { ATKEY_MODEL_PROFILES, OTHER_VENDOR_KEY, atkeyConfig } from '../../../../sim/authenticator/profiles.ts';
import { until } from '../../../support/eventually.ts';

const pro = ATKEY_MODEL_PROFILES[0]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchKeys', () => {
  it('reports plug and unplug, reading getInfo only for new devices', async () => {
    const first = fidoDevice();
    const backend = new VirtualHidBackend([{ info: first, config: atkeyConfig(pro, 'nothing') }]);
    const events: KeyEvent[] = [];
    const watcher = watchKeys({ backend, intervalMs: 20, refreshMs: 0, onEvent: (e) => events.push(e), scan: { channel: { timeoutMs: 200 } } });
    const initial = await watcher.start();
    expect(initial.map((k) => k.model)).toEqual([pro.name]);

    const second = fidoDevice({ vendorId: 0x1050 });
    backend.plug({ info: second, config: { getInfo: OTHER_VENDOR_KEY } });
    await until('events.length === 1', () => events.length === 1);
    expect(events[0]).toMatchObject({ type: 'plug', key: { aaguid: OTHER_VENDOR_KEY.aaguid } });

    const polls = backend.enumerations;
    await until('backend.enumerations >= polls + 3', () => backend.enumerations >= polls + 3);
    // Three more polls, yet each device was opened exactly once.
    expect(backend.sessions.map((s) => s.path)).toEqual([first.path, second.path]);

    backend.unplug(first.path);
    await until('events.length === 2', () => events.length === 2);
    expect(events[1]).toMatchObject({ type: 'unplug', key: { model: pro.name } });
    expect(keysFromCapture(watcher.capture())).toEqual(watcher.keys());
    await watcher.stop();
    expect(backend.openSessions).toBe(0);
  });

  it('sees a fingerprint enrolled while the key stays plugged in (periodic refresh)', async () => {
    const info = fidoDevice();
    const backend = new VirtualHidBackend([{ info, config: atkeyConfig(pro, 'pin-only') }]);
    const events: KeyEvent[] = [];
    const watcher = watchKeys({ backend, intervalMs: 20, refreshMs: 60, onEvent: (e) => events.push(e) });
    await watcher.start();
    backend.plug({ info, config: atkeyConfig(pro, 'both') });
    await until('events.length > 0', () => events.length > 0);
    expect(events[0]).toMatchObject({ type: 'changed', before: { fingerprintEnrolled: false }, after: { fingerprintEnrolled: true } });
    await watcher.stop();
  });

  it('retries a key whose read failed and reports the recovery as a change', async () => {
    const info = fidoDevice();
    const backend = new VirtualHidBackend([{ info, config: { ...atkeyConfig(pro, 'both'), misbehaviour: 'silence' } }]);
    const events: KeyEvent[] = [];
    const watcher = watchKeys({ backend, intervalMs: 20, refreshMs: 0, onEvent: (e) => events.push(e), scan: { channel: { timeoutMs: 50 } } });
    expect((await watcher.start())[0]?.access).toBe('error');
    backend.plug({ info, config: atkeyConfig(pro, 'both') });
    await until('events.length > 0', () => events.length > 0);
    expect(events[0]).toMatchObject({ type: 'changed', before: { access: 'error' }, after: { access: 'ok', fingerprintEnrolled: true } });
    await watcher.stop();
  });

  it('stops polling for good and survives enumeration failures', async () => {
    let fail = true;
    const backend = new VirtualHidBackend();
    const errors: Error[] = [];
    const flaky = {
      name: 'flaky',
      enumerate: () => (fail ? Promise.reject(new Error('hid gone')) : backend.enumerate()),
      open: backend.open.bind(backend),
    };
    const watcher = watchKeys({ backend: flaky, intervalMs: 10, onEvent: () => {}, onError: (e) => errors.push(e) });
    expect(await watcher.start()).toEqual([]);
    await until('errors.length >= 2', () => errors.length >= 2);
    fail = false;
    await until('backend.enumerations >= 2', () => backend.enumerations >= 2);
    await watcher.stop();
    const after = backend.enumerations;
    await sleep(60);
    expect(backend.enumerations).toBe(after);
    expect(errors[0]?.message).toBe('hid gone');
  });

  it('captures "not scannable" while enumeration fails, never "no key", and says when it works again', async () => {
    let fail = true;
    const backend = new VirtualHidBackend([{ info: fidoDevice(), config: atkeyConfig(pro, 'both') }]);
    const flaky = { name: 'flaky', enumerate: () => (fail ? Promise.reject(new Error('cannot initialize hidapi (hid_init failed)')) : backend.enumerate()), open: backend.open.bind(backend) };
    let recovered = 0;
    const watcher = watchKeys({ backend: flaky, intervalMs: 10, refreshMs: 0, onEvent: () => {}, onRecovered: () => recovered++ });
    await watcher.start();
    expect(watcher.capture()).toMatchObject({ state: 'error', reason: 'cannot initialize hidapi (hid_init failed)', devices: [] });

    fail = false;
    await until('enumeration to recover', () => recovered === 1);
    const capture = watcher.capture();
    expect(capture.state).toBe('ok');
    expect(keysFromCapture(capture).map((k) => k.model)).toEqual([pro.name]);
    await watcher.stop();
  });
});
