// A fake Microsoft Graph + token server on loopback (reference/graph.md §10.5): the token endpoint checks
// MSAL's client assertion against the app certificate, Graph routes check the token's roles (401/403) and
// the tenant's licence, collections page with opaque skip tokens, devices/delta keeps versions (deletions,
// a scripted 410), the reports class throttles above 5 requests per 10 s, scripted 429/503 with or without
// Retry-After, $batch dispatches items to the same routes, and every request is logged with its time on
// the test's clock.
import { constants, createPublicKey, randomBytes, verify, X509Certificate } from 'node:crypto';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface FakeTenant {
  tenantId: string;
  clientId: string;
  /** The app certificate (PEM) whose key must sign the client assertion; null = secrets only. */
  appCertificate: string | null;
  clientSecret: string | null;
  /** Application permissions granted (the token's `roles`). */
  roles: string[];
  /** Entra ID P1/P2: the reports and sign-in logs answer 403 without it. */
  premium: boolean;
  policy: Record<string, unknown>;
  /** Existing groups → transitive user member ids; a group absent here is deleted (404). */
  groups: Map<string, string[]>;
  /** Display names of the existing groups. */
  groupNames: Map<string, string>;
  users: Record<string, unknown>[];
  registration: Record<string, unknown>[];
  fido2Methods: Map<string, unknown[]>;
  signIns: Record<string, unknown>[];
}

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly at: number;
  readonly status: number;
  readonly viaBatch: boolean;
  readonly reportsClass: boolean;
  readonly consistencyLevel: string | null;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface ScriptedFailure {
  pattern: RegExp;
  remaining: number;
  status: 429 | 503;
  retryAfter: number | null;
}

export interface FakeGraphOptions {
  tenant: FakeTenant;
  devices: Record<string, unknown>[];
  /** The test's clock (ms) for throttling windows and the request log; the token's exp uses real time. */
  now: () => number;
  pageSize?: number;
  tls?: { key: string; cert: string };
}

const REPORTS_LIMIT = 5;
const REPORTS_WINDOW_MS = 10_000;
const WINDOWS_SIGN_IN = '38aa3b87-a06d-4817-b275-7a316988d93b';

export class FakeGraph {
  readonly log: LoggedRequest[] = [];
  /** Reports-class requests the fake refused for going over 5 per 10 s. */
  overLimit = 0;
  /** Token requests answered, and why any were refused. */
  readonly tokenRequests: { ok: boolean; reason: string; assertion: boolean }[] = [];
  /** When true, the next devices/delta call with a delta token answers 410 Gone (once). */
  expireDeltaOnce = false;
  /** Outer status of a $batch whose items failed: 200 (current docs) or 424 (older throttling docs). */
  batchFailureStatus: 200 | 424 = 200;
  url = '';

  private server: Server | null = null;
  private readonly skipTokens = new Map<string, { list: unknown[]; offset: number; deltaVersion: number | null; base: string }>();
  private readonly deltaTokens = new Map<string, number>();
  private readonly devices = new Map<string, { obj: Record<string, unknown>; version: number; deleted: boolean }>();
  private version = 0;
  private readonly failures: ScriptedFailure[] = [];
  private readonly reportsArrivals: number[] = [];
  private readonly pageSize: number;

  constructor(private readonly options: FakeGraphOptions) {
    this.pageSize = options.pageSize ?? 2;
    for (const d of options.devices) this.upsertDevice(d);
  }

  get tenant(): FakeTenant {
    return this.options.tenant;
  }

  async start(): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.server = this.options.tls ? createHttps({ key: this.options.tls.key, cert: this.options.tls.cert }, handler) : createHttp(handler);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  upsertDevice(obj: Record<string, unknown>): void {
    this.devices.set(String(obj.id), { obj, version: ++this.version, deleted: false });
  }

  deleteDevice(id: string): void {
    const d = this.devices.get(id);
    if (d) this.devices.set(id, { ...d, version: ++this.version, deleted: true });
  }

  /** The next `count` requests whose path matches answer `status`, with Retry-After seconds or none. */
  fail(pattern: RegExp, count: number, status: 429 | 503, retryAfter: number | null): void {
    this.failures.push({ pattern, remaining: count, status, retryAfter });
  }

  /** An unsigned token like Entra's app-only tokens (the fake trusts what it issued). */
  private issueToken(): string {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const t = this.tenant;
    return `${b64({ typ: 'JWT', alg: 'none' })}.${b64({ tid: t.tenantId, appid: t.clientId, roles: t.roles, exp: Math.floor(Date.now() / 1000) + 3599 })}.`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const body = await readBody(req);
    const answer = this.dispatch(req.method ?? 'GET', url, body, req.headers, false);
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  }

  private dispatch(method: string, url: URL, body: string, headers: Record<string, string | string[] | undefined>, viaBatch: boolean): Answer {
    const path = decodeURIComponent(url.pathname);
    const reportsClass = /\/reports\/|\/auditLogs\/|\/authentication\/fido2Methods/.test(path);
    const answer = this.route(method, url, path, body, headers, reportsClass);
    this.log.push({ method, path, query: decodeURIComponent(url.search), at: this.options.now(), status: answer.status, viaBatch, reportsClass, consistencyLevel: header(headers, 'consistencylevel') });
    return answer;
  }

  private route(method: string, url: URL, path: string, body: string, headers: Record<string, string | string[] | undefined>, reportsClass: boolean): Answer {
    const t = this.tenant;
    if (path === `/${t.tenantId}/v2.0/.well-known/openid-configuration`) return { status: 200, body: this.openIdConfiguration() };
    if (method === 'POST' && path === `/${t.tenantId}/oauth2/v2.0/token`) return this.token(body);

    const scripted = this.failures.find((f) => f.remaining > 0 && f.pattern.test(path));
    if (scripted) {
      scripted.remaining -= 1;
      return { status: scripted.status, headers: scripted.retryAfter === null ? {} : { 'Retry-After': String(scripted.retryAfter) }, body: graphError('TooManyRequests', 'scripted') };
    }
    const roles = this.bearerRoles(header(headers, 'authorization'));
    if (roles === null) return { status: 401, body: graphError('InvalidAuthenticationToken', 'Access token is empty or invalid.') };
    if (reportsClass) {
      const now = this.options.now();
      while (this.reportsArrivals.length > 0 && this.reportsArrivals[0]! <= now - REPORTS_WINDOW_MS) this.reportsArrivals.shift();
      if (this.reportsArrivals.length >= REPORTS_LIMIT) {
        this.overLimit += 1;
        return { status: 429, headers: { 'Retry-After': String(Math.ceil((this.reportsArrivals[0]! + REPORTS_WINDOW_MS - now) / 1000)) }, body: graphError('TooManyRequests', 'reports class') };
      }
      this.reportsArrivals.push(now);
    }
    const need = (role: string): Answer | null => (roles.includes(role) ? null : { status: 403, body: graphError('Authorization_RequestDenied', 'Insufficient privileges to complete the operation.') });
    const premium = (): Answer | null => (t.premium ? null : { status: 403, body: graphError('Authentication_RequestFromNonPremiumTenantOrB2CTenant', "Neither tenant is B2C or tenant doesn't have premium license") });
    let m: RegExpMatchArray | null;

    if (method === 'POST' && path === '/v1.0/$batch') return this.batch(body, headers);
    if (path === '/v1.0/policies/authenticationMethodsPolicy') return need('Policy.Read.AuthenticationMethod') ?? { status: 200, body: t.policy };
    if (path === '/v1.0/devices/delta') return need('Device.Read.All') ?? this.devicesDelta(url);
    if ((m = path.match(/^\/v1\.0\/groups\/([^/]+)\/transitiveMembers\/microsoft\.graph\.user$/))) {
      if (header(headers, 'consistencylevel') !== 'eventual') return { status: 400, body: graphError('Request_UnsupportedQuery', 'The OData cast needs ConsistencyLevel: eventual.') };
      const members = t.groups.get(m[1]!);
      return need('GroupMember.Read.All') ?? (members ? this.page(url, members.map((id) => ({ '@odata.type': '#microsoft.graph.user', id }))) : notFound());
    }
    if ((m = path.match(/^\/v1\.0\/groups\/([^/]+)$/))) return need('GroupMember.Read.All') ?? (t.groups.has(m[1]!) ? { status: 200, body: { id: m[1], displayName: t.groupNames.get(m[1]!) ?? null } } : notFound());
    if ((m = path.match(/^\/v1\.0\/users\/([^/]+)\/authentication\/fido2Methods$/))) {
      const methods = this.tenant.fido2Methods.get(m[1]!.toLowerCase());
      return need('UserAuthMethod-Passkey.Read.All') ?? (methods ? { status: 200, body: { value: methods } } : notFound());
    }
    if ((m = path.match(/^\/v1\.0\/users\/([^/]+)$/))) {
      const key = m[1]!.toLowerCase();
      const user = t.users.find((u) => String(u.id).toLowerCase() === key || String(u.userPrincipalName).toLowerCase() === key);
      return need('User.Read.All') ?? (user ? { status: 200, body: user } : notFound());
    }
    if (path === '/v1.0/reports/authenticationMethods/userRegistrationDetails') return need('AuditLog.Read.All') ?? premium() ?? this.page(url, t.registration);
    if (path === '/beta/auditLogs/signIns') return need('AuditLog.Read.All') ?? premium() ?? this.page(url, this.signIns(url.searchParams.get('$filter') ?? ''));
    return notFound();
  }

  private openIdConfiguration(): Record<string, unknown> {
    const base = `${this.url}/${this.tenant.tenantId}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      jwks_uri: `${this.url}/${this.tenant.tenantId}/discovery/v2.0/keys`,
      issuer: `${base}/v2.0`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    };
  }

  private token(body: string): Answer {
    const form = new URLSearchParams(body);
    const refuse = (reason: string, assertion: boolean): Answer => {
      this.tokenRequests.push({ ok: false, reason, assertion });
      return { status: 401, body: { error: 'invalid_client', error_description: reason } };
    };
    const t = this.tenant;
    if (form.get('grant_type') !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type' } };
    if (form.get('client_id') !== t.clientId) return refuse('unknown client_id', false);
    if (!(form.get('scope') ?? '').split(' ').includes('https://graph.microsoft.com/.default')) return { status: 400, body: { error: 'invalid_scope' } };
    const assertion = form.get('client_assertion');
    if (assertion !== null) {
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return refuse('bad client_assertion_type', true);
      const problem = this.checkAssertion(assertion);
      if (problem) return refuse(problem, true);
    } else if (t.clientSecret === null || form.get('client_secret') !== t.clientSecret) {
      return refuse('bad client secret', false);
    }
    this.tokenRequests.push({ ok: true, reason: '', assertion: assertion !== null });
    return { status: 200, body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: this.issueToken() } };
  }

  /** RFC 7523 client assertion: signed by the app certificate's key (PS256 or RS256), for our token endpoint. */
  private checkAssertion(jwt: string): string | null {
    const cert = this.tenant.appCertificate;
    if (!cert) return 'no certificate registered for this app';
    const [h, p, s] = jwt.split('.');
    if (!h || !p || !s) return 'assertion is not a JWT';
    const head = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string; 'x5t#S256'?: string };
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { aud?: string; iss?: string; sub?: string; exp?: number };
    const x509 = new X509Certificate(cert);
    const expectedThumb = Buffer.from(x509.fingerprint256.replace(/:/g, ''), 'hex').toString('base64url');
    if (head['x5t#S256'] !== expectedThumb) return 'x5t#S256 does not name the registered certificate';
    const key = createPublicKey(cert);
    const data = Buffer.from(`${h}.${p}`);
    const sig = Buffer.from(s, 'base64url');
    const ok = head.alg === 'PS256'
      ? verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, sig)
      : head.alg === 'RS256' && verify('sha256', data, key, sig);
    if (!ok) return 'assertion signature does not verify';
    if (claims.aud !== `${this.url}/${this.tenant.tenantId}/oauth2/v2.0/token`) return `wrong aud ${claims.aud}`;
    if (claims.iss !== this.tenant.clientId || claims.sub !== this.tenant.clientId) return 'iss/sub is not the client id';
    if (!claims.exp || claims.exp * 1000 < Date.now()) return 'assertion expired';
    return null;
  }

  private bearerRoles(authorization: string | null): string[] | null {
    const token = authorization?.match(/^Bearer (.+)$/)?.[1];
    const payload = token?.split('.')[1];
    if (!payload) return null;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { tid?: string; roles?: string[]; exp?: number };
    if (claims.tid !== this.tenant.tenantId || !claims.exp || claims.exp * 1000 < Date.now()) return null;
    return claims.roles ?? [];
  }

  /** A page of `list`, or the page a skip token names; an unknown (rebuilt, altered) token is a 400. */
  private page(url: URL, list: unknown[], delta: { version: number } | null = null): Answer {
    const token = url.searchParams.get('$skiptoken');
    let state = { list, offset: 0, deltaVersion: delta?.version ?? null, base: `${this.url}${url.pathname}` };
    if (token !== null) {
      const saved = this.skipTokens.get(token);
      if (!saved) return { status: 400, body: graphError('Request_BadRequest', 'Invalid skip token.') };
      state = saved;
    }
    const value = state.list.slice(state.offset, state.offset + this.pageSize);
    const next = state.offset + this.pageSize;
    const body: Record<string, unknown> = { '@odata.context': `${this.url}/v1.0/$metadata`, value };
    if (next < state.list.length) {
      const tok = randomBytes(12).toString('base64url');
      this.skipTokens.set(tok, { ...state, offset: next });
      body['@odata.nextLink'] = `${state.base}?$skiptoken=${tok}`;
    } else if (state.deltaVersion !== null) {
      const tok = randomBytes(12).toString('base64url');
      this.deltaTokens.set(tok, state.deltaVersion);
      body['@odata.deltaLink'] = `${state.base}?$deltatoken=${tok}`;
    }
    return { status: 200, body };
  }

  private devicesDelta(url: URL): Answer {
    const token = url.searchParams.get('$deltatoken');
    if (token === null) {
      if (url.searchParams.has('$skiptoken')) return this.page(url, []);
      const live = [...this.devices.values()].filter((d) => !d.deleted).map((d) => d.obj);
      return this.page(url, live, { version: this.version });
    }
    const since = this.deltaTokens.get(token);
    if (since === undefined) return { status: 400, body: graphError('syncStateNotFound', 'The delta token is not valid.') };
    if (this.expireDeltaOnce) {
      this.expireDeltaOnce = false;
      return { status: 410, headers: { Location: `${this.url}/v1.0/devices/delta` }, body: graphError('resyncRequired', 'Resync required.') };
    }
    const changes = [...this.devices.values()].filter((d) => d.version > since)
      .map((d) => (d.deleted ? { id: d.obj.id, '@removed': { reason: 'deleted' } } : d.obj));
    return this.page(url, changes, { version: this.version });
  }

  private signIns(filter: string): Record<string, unknown>[] {
    const userId = filter.match(/userId eq '([^']+)'/)?.[1];
    const appId = filter.match(/appId eq '([^']+)'/)?.[1] ?? WINDOWS_SIGN_IN;
    const since = filter.match(/createdDateTime ge (\S+)/)?.[1];
    return this.tenant.signIns.filter((s) => (!userId || s.userId === userId) && s.appId === appId && (!since || String(s.createdDateTime) >= since));
  }

  /** ≤ 20 items, each through the same routes; answered in reverse order (any order is allowed). */
  private batch(body: string, headers: Record<string, string | string[] | undefined>): Answer {
    let requests: { id: string; method: string; url: string; headers?: Record<string, string> }[];
    try {
      requests = (JSON.parse(body) as { requests: typeof requests }).requests;
    } catch {
      return { status: 400, body: graphError('BadRequest', 'Invalid batch payload.') };
    }
    if (!Array.isArray(requests) || requests.length > 20) return { status: 400, body: graphError('BadRequest', 'A batch holds at most 20 requests.') };
    const responses = requests.map((r) => {
      const a = this.dispatch(r.method, new URL(`/v1.0${r.url}`, this.url), '', { authorization: header(headers, 'authorization') ?? undefined, ...lowerKeys(r.headers ?? {}) }, true);
      return { id: r.id, status: a.status, headers: a.headers ?? {}, body: a.body };
    }).reverse();
    const failed = responses.some((r) => r.status >= 400);
    return { status: failed ? this.batchFailureStatus : 200, body: { responses } };
  }
}

function graphError(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

const notFound = (): Answer => ({ status: 404, body: graphError('Request_ResourceNotFound', 'Resource does not exist.') });

function header(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const v = headers[name];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
