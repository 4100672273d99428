// `keyready-collector graph-check`: what an admin runs before turning the tenant join on. Gets a token
// with the configured credentials and prints, permission by permission, what is granted or missing.
// Exit codes follow the agent's `check`: 0 all granted, 1 some missing, 2 could not check.
import { errorText } from '../../protocol/error-text.ts';
import type { GraphSettings } from './config.ts';
import { connectGraph } from './connect.ts';
import { permissionReport } from './permissions.ts';
import { tokenRoles } from './token.ts';

export async function graphCheck(settings: GraphSettings | null, out: (line: string) => void): Promise<0 | 1 | 2> {
  if (!settings) {
    out('graph-check: the tenant join is off: set --graph-tenant-id, --graph-client-id and --graph-cert (or their KEYREADY_GRAPH_* variables)');
    return 2;
  }
  let roles: string[];
  let tokenTenant: string | null;
  try {
    const { endpoints, tokens } = connectGraph(settings);
    out(`Tenant ${settings.tenantId}, app ${settings.clientId}, ${settings.cloud} cloud (login ${endpoints.authority}, Graph ${endpoints.graphRoot})`);
    ({ roles, tenantId: tokenTenant } = tokenRoles(await tokens.getToken()));
  } catch (error) {
    out(`graph-check: could not get a token: ${errorText(error)}`);
    return 2;
  }
  if (tokenTenant !== null && tokenTenant.toLowerCase() !== settings.tenantId) {
    out(`graph-check: the token is for tenant ${tokenTenant}, not ${settings.tenantId}`);
    return 2;
  }
  out('Token: ok');
  const lines = permissionReport(roles);
  for (const line of lines) {
    out(`  ${line.granted ? 'granted' : 'MISSING'}  ${line.permission}${line.via ? ` (via ${line.via})` : ''} — for ${line.neededFor.join(', ')}`);
  }
  const missing = lines.filter((l) => !l.granted);
  out(missing.length === 0
    ? 'All permissions KeyReady reads with are granted.'
    : `${missing.length} permission(s) missing: grant them (application permissions, with admin consent) in the app registration; see "Connect to Microsoft Entra" in the README.`);
  return missing.length === 0 ? 0 : 1;
}
