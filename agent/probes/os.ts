// The os source: hostname, platform and the hardware inventory (systeminformation, Windows only:
// it spawns PowerShell and takes seconds, so it is called once, for the four values it is used for).
// The Windows build is not taken from here but from the registry (reference/windows.md §5).
import { hostname, release } from 'node:os';
import * as z from 'zod';
import { HardwareIdentity } from '../../protocol/messages.ts';
import { errorText } from '../../protocol/error-text.ts';
import { type Capture, jsonProbe, SOURCE_OK } from './source.ts';

/** The same four values the agent reports when it enrolls (protocol/messages.ts). */
export const Inventory = HardwareIdentity;
export type Inventory = HardwareIdentity;

export const OsRaw = z.object({
  hostname: z.string(),
  platform: z.string(),
  release: z.string(),
  inventory: Inventory.nullable(),
  /** Why the inventory is missing (not Windows, or systeminformation failed). */
  inventoryNote: z.string().nullable(),
});
export type OsRaw = z.infer<typeof OsRaw>;

const INVENTORY_TIMEOUT_MS = 20_000;

function orNull(value: string | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed && trimmed !== '-' ? trimmed : null;
}

async function readInventory(): Promise<Inventory> {
  const si = await import('systeminformation');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`systeminformation took more than ${INVENTORY_TIMEOUT_MS / 1000} s`)), INVENTORY_TIMEOUT_MS);
  });
  try {
    const system = await Promise.race([si.system(), timeout]);
    return { manufacturer: orNull(system.manufacturer), model: orNull(system.model), serial: orNull(system.serial), uuid: orNull(system.uuid) };
  } finally {
    clearTimeout(timer);
  }
}

export async function captureOs(platform: NodeJS.Platform = process.platform): Promise<Capture<OsRaw>> {
  const base = { hostname: hostname(), platform, release: release() };
  if (platform !== 'win32') {
    return { state: SOURCE_OK, raw: { ...base, inventory: null, inventoryNote: `inventory is read on Windows only (${platform})` } };
  }
  try {
    return { state: SOURCE_OK, raw: { ...base, inventory: await readInventory(), inventoryNote: null } };
  } catch (error) {
    return { state: SOURCE_OK, raw: { ...base, inventory: null, inventoryNote: errorText(error) } };
  }
}

export const osProbe = jsonProbe('os.json', OsRaw);
