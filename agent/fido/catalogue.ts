// The ATKey catalogue: AAGUID → model, from atkey-aaguids.json (copied from the shared reference with
// its sources: FIDO MDS mirrors, Microsoft's Entra FIDO2 vendor table, google/CTAP2-test-tool).
// The AAGUID names the model; AuthenTrend's USB vendor id is only a hint (product ids are unpublished).
import * as z from 'zod';
import raw from '../../protocol/atkey-aaguids.json' with { type: 'json' };

const Catalogue = z.object({
  vendor: z.object({ name: z.string(), usbVendorId: z.string().regex(/^0x[0-9a-f]{4}$/i) }),
  aaguids: z.array(
    z.object({
      aaguid: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      name: z.string().min(1),
      bio: z.boolean(),
      usbVidPid: z.string().nullable(),
    }),
  ),
});

const catalogue = Catalogue.parse(raw);

export const ATKEY_VENDOR_ID = Number.parseInt(catalogue.vendor.usbVendorId, 16);
export const ATKEY_VENDOR_NAME = catalogue.vendor.name;

export interface AtkeyModel {
  readonly aaguid: string;
  readonly name: string;
  readonly bio: boolean;
}

const byAaguid = new Map<string, AtkeyModel>(
  catalogue.aaguids.map((entry) => [entry.aaguid, { aaguid: entry.aaguid, name: entry.name, bio: entry.bio }]),
);

export const ATKEY_MODELS: readonly AtkeyModel[] = [...byAaguid.values()];

export function modelForAaguid(aaguid: string | null): AtkeyModel | null {
  return aaguid ? (byAaguid.get(aaguid.toLowerCase()) ?? null) : null;
}
