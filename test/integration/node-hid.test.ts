// node-hid really loads here with the hidraw driver and enumerates (a CI box has no keys: [] is fine).
import { describe, expect, it } from 'vitest';
import { nodeHidBackend } from '../../agent/fido/transport/node-hid.ts';
import { scanKeys } from '../../agent/fido/scanner.ts';

describe('node-hid backend', () => {
  it('loads the hidraw build and enumerates without throwing', async () => {
    const backend = nodeHidBackend();
    const devices = await backend.enumerate();
    expect(Array.isArray(devices)).toBe(true);
    for (const device of devices) expect(typeof device.path).toBe('string');
    const { capture } = await scanKeys(backend, { channel: { timeoutMs: 500 } });
    expect(capture.state).toBe('ok');
    if (process.platform === 'linux') expect(backend.name).toBe('hidraw');
  });
});
