// From the collector's settings to the tenant join's options: the Graph client over the configured
// cloud, with the app's credentials. Null when the join is off.
import type { Config } from '../config.ts';
import { connectGraph } from './connect.ts';
import { GraphClient } from './http.ts';
import type { TenantOptions } from './start.ts';

export function tenantOptions(config: Pick<Config, 'graph' | 'graphPollMs'>): TenantOptions | null {
  if (!config.graph) return null;
  const { endpoints, tokens } = connectGraph(config.graph);
  return { client: new GraphClient({ root: endpoints.graphRoot, tokens }), tenantId: config.graph.tenantId, passkeyApis: endpoints.passkeyApis, tickMs: config.graphPollMs };
}
