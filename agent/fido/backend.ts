// Chooses the HID backend: USB via node-hid, or CTAPHID over UDP when `--hid-udp HOST:PORT` (or
// KEYREADY_HID_UDP, which the dispatcher folds into it) is given. KEYREADY_HID_UDP_LOCAL_PORT moves
// the receive port off 7112 (tests run several at once; 0 picks a free port).
import * as z from 'zod';
import { nodeHidBackend } from './transport/node-hid.ts';
import { DEFAULT_UDP_LOCAL_PORT, parseUdpTarget, udpBackend } from './transport/udp.ts';
import type { HidBackend } from './transport/types.ts';

const Env = z.object({
  KEYREADY_HID_UDP_LOCAL_PORT: z.coerce.number().int().min(0).max(65535).optional(),
});

export function selectHidBackend(hidUdp: string | null | undefined, env: NodeJS.ProcessEnv = process.env): HidBackend {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new Error(`KEYREADY_HID_UDP_LOCAL_PORT must be a port number (0-65535), got "${env.KEYREADY_HID_UDP_LOCAL_PORT}"`);
  }
  if (!hidUdp) return nodeHidBackend();
  return udpBackend(parseUdpTarget(hidUdp), parsed.data.KEYREADY_HID_UDP_LOCAL_PORT ?? DEFAULT_UDP_LOCAL_PORT);
}
