// The Graph settings (issue 13): flags and KEYREADY_GRAPH_* variables, parsed and validated only; the
// collector CLI merges GRAPH_FLAGS into its own FLAGS. A client secret is accepted only from the
// environment (a flag would show in process lists) and is never written anywhere.
import * as z from 'zod';
import { CLOUD_NAMES, type CloudName } from './clouds.ts';

export const GRAPH_FLAGS = {
  'graph-tenant-id': { env: 'KEYREADY_GRAPH_TENANT_ID', help: 'Microsoft Entra tenant id (GUID) to read; turns the tenant join on' },
  'graph-client-id': { env: 'KEYREADY_GRAPH_CLIENT_ID', help: 'application (client) id of the KeyReady app registration' },
  'graph-cert': { env: 'KEYREADY_GRAPH_CERT', help: 'PEM file with the app\'s private key and certificate' },
  'graph-cloud': { env: 'KEYREADY_GRAPH_CLOUD', help: 'global, usgov or china (default global)' },
  'graph-authority-url': { env: 'KEYREADY_GRAPH_AUTHORITY_URL', help: 'login root to use instead of the cloud\'s (https)' },
  'graph-base-url': { env: 'KEYREADY_GRAPH_BASE_URL', help: 'Graph root to use instead of the cloud\'s (a proxy, a test server)' },
} as const;
export type GraphFlag = keyof typeof GRAPH_FLAGS;
/** Fallback credential, environment only. */
export const GRAPH_SECRET_ENV = 'KEYREADY_GRAPH_CLIENT_SECRET';

const Guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const Root = (what: string, allowLoopbackHttp: boolean) =>
  z.string().refine((value) => {
    try {
      const u = new URL(value);
      return u.protocol === 'https:' || (allowLoopbackHttp && u.protocol === 'http:' && LOOPBACK.has(u.hostname));
    } catch {
      return false;
    }
  }, `${what} must be an https:// URL`);

const Schema = z
  .object({
    'graph-tenant-id': Guid,
    'graph-client-id': Guid,
    'graph-cert': z.string().min(1).optional(),
    'graph-cloud': z.enum(CLOUD_NAMES as [CloudName, ...CloudName[]]).default('global'),
    // MSAL refuses a non-https authority (authority_uri_insecure), so no loopback exception here.
    'graph-authority-url': Root('--graph-authority-url', false).optional(),
    'graph-base-url': Root('--graph-base-url', true).optional(),
    secret: z.string().min(1).optional(),
  })
  .refine((c) => c['graph-cert'] !== undefined || c.secret !== undefined, {
    message: `--graph-cert (or ${GRAPH_SECRET_ENV} as a fallback) is required with --graph-tenant-id`,
  });

export interface GraphSettings {
  readonly tenantId: string;
  readonly clientId: string;
  readonly credential: { readonly kind: 'certificate'; readonly path: string } | { readonly kind: 'secret'; readonly secret: string };
  readonly cloud: CloudName;
  readonly authorityUrl?: string;
  readonly baseUrl?: string;
}

/**
 * `flags` are the values given on the command line (a flag wins over its variable). Returns null when
 * the tenant join is off (no tenant id anywhere); throws a message naming every invalid setting.
 */
export function parseGraphSettings(flags: Partial<Record<GraphFlag, string>>, env: NodeJS.ProcessEnv): GraphSettings | null {
  const raw: Record<string, string | undefined> = { secret: env[GRAPH_SECRET_ENV] || undefined };
  for (const [flag, spec] of Object.entries(GRAPH_FLAGS)) raw[flag] = flags[flag as GraphFlag] ?? (env[spec.env] || undefined);
  if (raw['graph-tenant-id'] === undefined) return null;
  const parsed = Schema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`invalid Graph settings: ${parsed.error.issues.map((i) => `${i.path.length ? `--${i.path.join('.')}: ` : ''}${i.message}`).join('; ')}`);
  }
  const c = parsed.data;
  return {
    tenantId: c['graph-tenant-id'].toLowerCase(),
    clientId: c['graph-client-id'],
    // The certificate wins: the secret is only a fallback.
    credential: c['graph-cert'] !== undefined ? { kind: 'certificate', path: c['graph-cert'] } : { kind: 'secret', secret: c.secret! },
    cloud: c['graph-cloud'],
    ...(c['graph-authority-url'] ? { authorityUrl: c['graph-authority-url'] } : {}),
    ...(c['graph-base-url'] ? { baseUrl: c['graph-base-url'] } : {}),
  };
}
