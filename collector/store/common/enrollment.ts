// Recognising a reinstalled PC by its SMBIOS uuid. Some boards ship a placeholder uuid shared by every
// unit; matching on those would merge different PCs into one device, so they never match.
const PLACEHOLDER_UUIDS = new Set([
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '03000200-0400-0500-0006-000700080009',
]);

/** The uuid used to find an earlier enrollment of this PC, or null when it cannot identify one PC. */
export function enrollmentUuid(uuid: string | null): string | null {
  const normal = uuid?.trim().toLowerCase() ?? '';
  if (normal === '' || PLACEHOLDER_UUIDS.has(normal)) return null;
  return normal;
}

