// The application permissions KeyReady asks for (least privileged, reference/graph.md §0) and what each
// is needed for: graph-check prints this against the roles a fresh token carries, so an admin sees what
// is granted or missing before turning the join on.
export const PERMISSIONS = {
  policy: 'Policy.Read.AuthenticationMethod',
  groups: 'GroupMember.Read.All',
  devices: 'Device.Read.All',
  users: 'User.Read.All',
  registration: 'AuditLog.Read.All',
  fido2Methods: 'UserAuthMethod-Passkey.Read.All',
  signIns: 'AuditLog.Read.All',
} as const;
export type Read = keyof typeof PERMISSIONS;

/** Higher permissions that also grant a read (a tenant may have consented to these instead). */
const ALSO_GRANTED_BY: Readonly<Record<string, readonly string[]>> = {
  'Policy.Read.AuthenticationMethod': ['Policy.Read.All', 'Policy.ReadWrite.AuthenticationMethod'],
  'GroupMember.Read.All': ['Group.Read.All', 'Directory.Read.All'],
  'Device.Read.All': ['Directory.Read.All'],
  'User.Read.All': ['Directory.Read.All'],
  'AuditLog.Read.All': [],
  'UserAuthMethod-Passkey.Read.All': ['UserAuthenticationMethod.Read.All', 'UserAuthenticationMethod.ReadWrite.All', 'UserAuthMethod-Passkey.ReadWrite.All'],
};

export interface PermissionLine {
  readonly permission: string;
  readonly granted: boolean;
  /** The granted role that covers it, when it is not the permission itself. */
  readonly via: string | null;
  readonly neededFor: Read[];
}

export function permissionReport(roles: readonly string[]): PermissionLine[] {
  const lines = new Map<string, Read[]>();
  for (const [read, permission] of Object.entries(PERMISSIONS) as [Read, string][]) lines.set(permission, [...(lines.get(permission) ?? []), read]);
  return [...lines].map(([permission, neededFor]) => {
    const via = roles.includes(permission) ? null : (ALSO_GRANTED_BY[permission] ?? []).find((r) => roles.includes(r)) ?? null;
    return { permission, granted: roles.includes(permission) || via !== null, via, neededFor };
  });
}
