// Runs in its own process, started by test/integration/tenant/token.test.ts: Node reads
// NODE_EXTRA_CA_CERTS only at start, and that is how the collector is told to trust a private CA. Gets
// a token through MSAL from KEYREADY_GRAPH_* settings, twice (the second from MSAL's cache), reads the
// policy with it, and prints what it saw (and, as graph-check would, the permissions missing) as one JSON line.
import { parseGraphSettings } from '../../collector/tenant/config.ts';
import { connectGraph } from '../../collector/tenant/connect.ts';
import { GraphClient } from '../../collector/tenant/http.ts';
import { AuthenticationMethodsPolicy } from '../../collector/tenant/schemas.ts';
import { permissionReport } from '../../collector/tenant/permissions.ts';
import { tokenRoles } from '../../collector/tenant/token.ts';

const settings = parseGraphSettings({}, process.env);
if (!settings || settings.credential.kind !== 'certificate') throw new Error('expected certificate settings in KEYREADY_GRAPH_*');
const { endpoints, tokens } = connectGraph(settings);
const token = await tokens.getToken();
const again = await tokens.getToken();
const policy = await new GraphClient({ root: endpoints.graphRoot, tokens }).get('/v1.0/policies/authenticationMethodsPolicy', AuthenticationMethodsPolicy, { cls: 'directory' });
const { roles, tenantId } = tokenRoles(token);
const missing = permissionReport(roles).filter((l) => !l.granted).map((l) => l.permission);
process.stdout.write(`${JSON.stringify({ roles, tenantId, missing, cached: token === again, policyId: policy.id, scope: endpoints.scope })}\n`);
