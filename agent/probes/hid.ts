// The hid source: FIDO keys on USB HID. The scan itself (agent/fido/) comes with the HID issue and
// replaces captureHid's body; until then the live source says "keys not scanned", and a bundle
// that carries hid.json (the key facts it saw) is replayed as is.
import { z } from 'zod';
import { KeyFacts } from '../../protocol/report.ts';
import { type Capture, jsonProbe, sourceState } from './source.ts';

export const HidRaw = z.object({ keys: z.array(KeyFacts) });
export type HidRaw = z.infer<typeof HidRaw>;

export interface HidTransport {
  /** HOST:PORT to exchange CTAPHID reports over UDP (--hid-udp), or null for USB. */
  readonly udp: string | null;
}

export async function captureHid(_transport: HidTransport = { udp: null }): Promise<Capture<HidRaw>> {
  return { state: sourceState('not-collected', { key: 'reason.hid.not-scanned', params: {} }), raw: null };
}

export function interpretHid(raw: HidRaw): KeyFacts[] {
  return raw.keys;
}

export const hidProbe = jsonProbe('hid.json', HidRaw);
