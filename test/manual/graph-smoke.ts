// Manual smoke test against a real tenant, outside `npm test` (no test may call the real Graph). Gated on
// the KEYREADY_GRAPH_* variables docs/connect-entra.md lists, plus KEYREADY_GRAPH_SMOKE_USERS (a comma list
// of UPNs to read keys for). Prints the permissions, each fact's state and counts; reads, never writes.
//   KEYREADY_GRAPH_TENANT_ID=… KEYREADY_GRAPH_CLIENT_ID=… KEYREADY_GRAPH_CERT=app.pem \
//   KEYREADY_GRAPH_SMOKE_USERS=alex@contoso.com npx tsx test/manual/graph-smoke.ts
import { parseGraphSettings } from '../../collector/tenant/config.ts';
import { connectGraph } from '../../collector/tenant/connect.ts';
import { GraphClient } from '../../collector/tenant/http.ts';
import { permissionReport } from '../../collector/tenant/permissions.ts';
import { readTenant } from '../../collector/tenant/read.ts';
import { tokenRoles } from '../../collector/tenant/token.ts';

const settings = parseGraphSettings({}, process.env);
if (!settings) {
  console.log('skipped: set KEYREADY_GRAPH_TENANT_ID, KEYREADY_GRAPH_CLIENT_ID and KEYREADY_GRAPH_CERT');
  process.exit(0);
}
const { endpoints, tokens } = connectGraph(settings);
const { roles, tenantId } = tokenRoles(await tokens.getToken());
console.log(`token for tenant ${tenantId}`);
for (const line of permissionReport(roles)) {
  console.log(`  ${line.granted ? 'granted' : 'MISSING'}  ${line.permission}${line.via ? ` (via ${line.via})` : ''} — for ${line.neededFor.join(', ')}`);
}
const client = new GraphClient({ root: endpoints.graphRoot, tokens, onRequest: (r) => console.log(`  ${r.status} ${r.method} ${r.url.slice(endpoints.graphRoot.length, 120)}`) });
const { snapshot } = await readTenant(client, {
  tenantId: settings.tenantId, passkeyApis: endpoints.passkeyApis,
  pcUsers: (process.env.KEYREADY_GRAPH_SMOKE_USERS ?? '').split(',').map((u) => u.trim()).filter(Boolean),
  devices: new Map(), devicesDeltaLink: null, signInsSince: new Date(Date.now() - 7 * 86_400_000), now: () => new Date().toISOString(),
});
for (const [name, fact] of Object.entries({ policy: snapshot.policy, groups: snapshot.groups, devices: snapshot.devices, users: snapshot.users, registration: snapshot.registration, signIns: snapshot.signIns })) {
  const size = fact.status === 'ok' && fact.value instanceof Map ? ` (${fact.value.size})` : '';
  console.log(`${name}: ${fact.status}${size}${fact.status === 'unknown' ? ` — ${fact.missing.kind}: ${fact.missing.name}` : ''}`);
}
for (const [user, fact] of snapshot.fido2Methods) {
  console.log(`fido2Methods ${user}: ${fact.status === 'ok' ? fact.value.map((m) => `${m.model ?? '?'} ${m.aaGuid ?? ''}`).join('; ') || 'none' : `${fact.missing.kind}: ${fact.missing.name}`}`);
}
