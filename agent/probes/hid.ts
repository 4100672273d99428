// The hid source: FIDO keys on USB HID (or CTAPHID over UDP with --hid-udp). The raw output is the
// scan's capture — every device's INIT, getInfo and sensor-info reply bytes — so a bundle replays
// the exact answers through the same pure keysFromCapture the live scan uses (agent/fido/).
import type { KeyFacts } from '../../protocol/report.ts';
import { HidCapture } from '../fido/capture.ts';
import { keysFromCapture } from '../fido/keyinfo.ts';
import { captureKeys } from '../fido/scanner.ts';
import { selectHidBackend } from '../fido/backend.ts';
import { errorText } from '../../protocol/error-text.ts';
import { type Capture, SOURCE_OK, jsonProbe, sourceState } from './source.ts';

export const HidRaw = HidCapture;
export type HidRaw = HidCapture;

export interface HidRoute {
  /** HOST:PORT to exchange CTAPHID reports over UDP (--hid-udp), or null for USB. */
  readonly udp: string | null;
}

export async function captureHid(route: HidRoute = { udp: null }): Promise<Capture<HidRaw>> {
  try {
    return hidSource(await captureKeys(selectHidBackend(route.udp)));
  } catch (error) {
    return { state: sourceState('error', { key: 'keys.hid-unavailable', params: { reason: errorText(error) } }), raw: null };
  }
}

/** A scan's capture as the hid source: one that enumerated nothing is "HID unavailable", never "no key". */
export function hidSource(capture: HidCapture): Capture<HidRaw> {
  if (capture.state === 'error') return { state: sourceState('error', { key: 'keys.hid-unavailable', params: { reason: capture.reason ?? '' } }), raw: null };
  return { state: SOURCE_OK, raw: capture };
}

export function interpretHid(raw: HidRaw): KeyFacts[] {
  return keysFromCapture(raw);
}

export const hidProbe = jsonProbe('hid.json', HidRaw);
