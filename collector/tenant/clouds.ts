// Login and Graph roots per cloud (reference/graph.md §6.2). Tokens are not interchangeable between
// clouds; the scope names the cloud's Graph resource even when --graph-base-url points elsewhere (a
// proxy or the tests' fake), because the token is still for that resource.
export const CLOUDS = {
  global: { authority: 'https://login.microsoftonline.com', graph: 'https://graph.microsoft.com', passkeyApis: true },
  usgov: { authority: 'https://login.microsoftonline.us', graph: 'https://graph.microsoft.us', passkeyApis: true },
  // 21Vianet lists neither the FIDO2 policy nor fido2Methods (learn: fido2authenticationmethodconfiguration-get).
  china: { authority: 'https://login.chinacloudapi.cn', graph: 'https://microsoftgraph.chinacloudapi.cn', passkeyApis: false },
} as const;
export type CloudName = keyof typeof CLOUDS;
export const CLOUD_NAMES = Object.keys(CLOUDS) as CloudName[];

export interface GraphEndpoints {
  readonly cloud: CloudName;
  /** e.g. https://login.microsoftonline.com/<tenant> — what MSAL is given as `authority`. */
  readonly authority: string;
  /** The authority's host (with port), for MSAL's knownAuthorities so it never asks Microsoft's discovery host. */
  readonly authorityHost: string;
  /** Graph root without a trailing slash and without a version, e.g. https://graph.microsoft.com. */
  readonly graphRoot: string;
  readonly scope: string;
  /** false where the cloud lacks the passkey APIs: the join then says so instead of failing. */
  readonly passkeyApis: boolean;
}

export function endpointsFor(cloud: CloudName, tenantId: string, overrides: { authorityUrl?: string; baseUrl?: string } = {}): GraphEndpoints {
  const c = CLOUDS[cloud];
  const authorityRoot = (overrides.authorityUrl ?? c.authority).replace(/\/+$/, '');
  const graphRoot = (overrides.baseUrl ?? c.graph).replace(/\/+$/, '');
  return {
    cloud,
    authority: `${authorityRoot}/${tenantId}`,
    authorityHost: new URL(authorityRoot).host,
    graphRoot,
    scope: `${c.graph}/.default`,
    passkeyApis: c.passkeyApis,
  };
}
