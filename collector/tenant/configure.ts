// From the collector's settings to the tenant join's options: the Graph client over the configured
// cloud, with the app's credentials. Null when the join is off.
import { errorText } from '../../protocol/error-text.ts';
import { ConfigError, type Config } from '../config.ts';
import { connectGraph } from './connect.ts';
import { GraphClient } from './http.ts';
import type { TenantOptions } from './start.ts';

export function tenantOptions(config: Pick<Config, 'graph' | 'graphPollMs'>): TenantOptions | null {
  if (!config.graph) return null;
  let connection: ReturnType<typeof connectGraph>;
  try {
    connection = connectGraph(config.graph);
  } catch (error) {
    // An unreadable or unusable certificate is a settings error like any other (exit code 2), not a crash.
    throw new ConfigError(`the Microsoft Graph settings cannot be used: ${errorText(error)}`);
  }
  const { endpoints, tokens } = connection;
  return { client: new GraphClient({ root: endpoints.graphRoot, tokens }), tenantId: config.graph.tenantId, passkeyApis: endpoints.passkeyApis, tickMs: config.graphPollMs };
}
