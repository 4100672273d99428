// A small Graph client on Node's fetch (reference/graph.md §8): paging over @odata.nextLink, delta with
// a resync on 410/syncStateNotFound, $batch with per-item retry, 429/503/504 honouring Retry-After, and
// a Throttle per class. Every body is parsed by a zod schema before anyone uses it.
import * as z from 'zod';
import { GraphErrorBody, Removed } from './schemas.ts';
import { Throttle, systemClock, type Clock, type ThrottleClass } from './limits.ts';

export interface TokenSource {
  getToken(): Promise<string>;
  /** Forget the cached token: the next getToken() asks the authority again (after a 401). */
  invalidate(): void;
}

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly url: string,
  ) {
    super(`Graph ${status} ${code}: ${message} (${url})`);
    this.name = 'GraphError';
  }
}

export interface RequestRecord {
  readonly method: string;
  readonly url: string;
  readonly cls: ThrottleClass;
  readonly units: number;
  readonly status: number;
  readonly at: number;
}

export interface GraphClientOptions {
  /** Graph root without version, e.g. https://graph.microsoft.com. */
  readonly root: string;
  readonly tokens: TokenSource;
  readonly clock?: Clock;
  readonly throttle?: Throttle;
  readonly maxTries?: number;
  readonly random?: () => number;
  readonly onRequest?: (r: RequestRecord) => void;
}

export interface RequestOptions {
  readonly cls: ThrottleClass;
  readonly headers?: Readonly<Record<string, string>>;
  /** Upper bound on pages followed (every loop is bounded). */
  readonly maxPages?: number;
}

const Page = z.object({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().optional(),
  '@odata.deltaLink': z.string().optional(),
});
const BatchResponse = z.object({
  responses: z.array(z.object({
    id: z.string(),
    status: z.number().int(),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.unknown().optional(),
  })),
});

const RETRYABLE = new Set([429, 503, 504]);
const BACKOFF_BASE_MS = 2_000;
const BACKOFF_CAP_MS = 60_000;
const MAX_BATCH = 20;
const DEFAULT_MAX_PAGES = 10_000;
/** Graph answers within seconds; a request still open after this is treated as lost. */
const REQUEST_TIMEOUT_MS = 100_000;

/**
 * Resource units a request costs in the identity-and-access bucket (graph.md §6.3): base 2 for
 * GET users, 5 for transitiveMembers, 4 for checkMemberGroups, else 1; $select −1 (never below 1).
 */
export function resourceUnits(method: string, path: string): number {
  const [p = '', query = ''] = path.split('?');
  let base = 1;
  if (/\/transitiveMembers/i.test(p)) base = 5;
  else if (/\/checkMemberGroups$/i.test(p)) base = 4;
  else if (method === 'GET' && /^(\/v1\.0|\/beta)?\/users(\/|$|\?)/i.test(p)) base = 2;
  if (/(^|&)\$select=/i.test(decodeURIComponent(query))) base -= 1;
  return Math.max(1, base);
}

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now: number): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

export interface DeltaResult<T> {
  readonly items: T[];
  readonly removed: string[];
  readonly deltaLink: string;
  /** true when the stored link was refused (410 / syncStateNotFound) and a full sync was done instead. */
  readonly resynced: boolean;
}

export type BatchItemResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: GraphError };

export class GraphClient {
  readonly root: string;
  private readonly clock: Clock;
  readonly throttle: Throttle;
  private readonly maxTries: number;
  private readonly random: () => number;

  constructor(private readonly options: GraphClientOptions) {
    this.root = options.root.replace(/\/+$/, '');
    this.clock = options.clock ?? systemClock;
    this.throttle = options.throttle ?? new Throttle(this.clock);
    this.maxTries = options.maxTries ?? 6;
    this.random = options.random ?? Math.random;
  }

  async get<T>(path: string, schema: z.ZodType<T>, opts: RequestOptions): Promise<T> {
    return this.parse(await this.request('GET', this.url(path), opts), schema, path);
  }

  /** Every page of a collection, following @odata.nextLink as given (never rebuilt). */
  async getAll<T>(path: string, item: z.ZodType<T>, opts: RequestOptions): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = this.url(path);
    for (let page = 0; next !== undefined; page++) {
      if (page >= (opts.maxPages ?? DEFAULT_MAX_PAGES)) throw new Error(`more than ${page} pages at ${path}`);
      const body: z.infer<typeof Page> = this.parse(await this.request('GET', next, opts), Page, path);
      for (const v of body.value) out.push(this.parse(v, item, path));
      next = body['@odata.nextLink'] === undefined ? undefined : this.sameRoot(body['@odata.nextLink']);
    }
    return out;
  }

  /**
   * One delta round: from `deltaLink` when given (changes only), else `initialPath` (full). A refused
   * link (410 Gone, or 400 syncStateNotFound when it is older than 7 days) restarts from `initialPath` once.
   */
  async delta<T>(initialPath: string, deltaLink: string | null, item: z.ZodType<T>, opts: RequestOptions): Promise<DeltaResult<T>> {
    try {
      return await this.deltaRound(deltaLink === null ? this.url(initialPath) : this.sameRoot(deltaLink), item, opts, false);
    } catch (error) {
      const expired = error instanceof GraphError && (error.status === 410 || (error.status === 400 && /syncStateNotFound/i.test(error.code)));
      if (!expired || deltaLink === null) throw error;
      return this.deltaRound(this.url(initialPath), item, opts, true);
    }
  }

  private async deltaRound<T>(start: string, item: z.ZodType<T>, opts: RequestOptions, resynced: boolean): Promise<DeltaResult<T>> {
    const items: T[] = [];
    const removed: string[] = [];
    let next = start;
    for (let page = 0; page < (opts.maxPages ?? DEFAULT_MAX_PAGES); page++) {
      const body = this.parse(await this.request('GET', next, opts), Page, start);
      for (const v of body.value) {
        const gone = Removed.safeParse(v);
        if (gone.success) removed.push(gone.data.id);
        else items.push(this.parse(v, item, start));
      }
      if (body['@odata.deltaLink'] !== undefined) return { items, removed, deltaLink: body['@odata.deltaLink'], resynced };
      if (body['@odata.nextLink'] === undefined) throw new Error(`delta page without nextLink or deltaLink at ${start}`);
      next = this.sameRoot(body['@odata.nextLink']);
    }
    throw new Error(`delta did not finish within ${opts.maxPages ?? DEFAULT_MAX_PAGES} pages`);
  }

  /**
   * GETs through `POST /v1.0/$batch`, ≤ 20 per round trip. Batching saves round trips, not quota: every
   * item is charged to the throttle. Throttled items (429/503/504, per-item Retry-After) are retried in
   * a later batch after the longest wait; other failures are returned per item.
   */
  async batch<T>(items: readonly { id: string; url: string; headers?: Record<string, string> }[], schema: z.ZodType<T>, opts: RequestOptions): Promise<Map<string, BatchItemResult<T>>> {
    const results = new Map<string, BatchItemResult<T>>();
    const perBatch = Math.min(MAX_BATCH, this.throttle.limits[opts.cls].units);
    for (let start = 0; start < items.length; start += perBatch) {
      let pending = items.slice(start, start + perBatch);
      for (let attempt = 1; pending.length > 0; attempt++) {
        const units = pending.reduce((sum, i) => sum + (opts.cls === 'directory' ? resourceUnits('GET', i.url) : 1), 0);
        const res = await this.request('POST', this.url('/v1.0/$batch'), opts, {
          body: JSON.stringify({ requests: pending.map((i) => ({ id: i.id, method: 'GET', url: i.url, ...(i.headers ? { headers: i.headers } : {}) })) }),
          units,
          // A batch whose items failed may come back 424 as a whole (older throttling docs): read its items anyway.
          accept: [424],
        });
        const body = this.parse(res, BatchResponse, '/v1.0/$batch');
        const retry: typeof pending = [];
        let waitMs = 0;
        for (const r of body.responses) {
          const asked = pending.find((i) => i.id === r.id);
          if (!asked) continue;
          if (r.status >= 200 && r.status < 300) {
            results.set(r.id, { ok: true, value: this.parse(r.body, schema, asked.url) });
          } else if (RETRYABLE.has(r.status) && attempt < this.maxTries) {
            retry.push(asked);
            waitMs = Math.max(waitMs, retryAfterMs(r.headers?.['Retry-After'] ?? r.headers?.['retry-after'], this.clock.now()) ?? this.backoff(attempt));
          } else {
            results.set(r.id, { ok: false, error: this.errorFrom(r.status, r.body, asked.url) });
          }
        }
        for (const i of pending) {
          if (!results.has(i.id) && !retry.includes(i)) results.set(i.id, { ok: false, error: new GraphError(0, 'missingBatchItem', 'no response for this item', i.url) });
        }
        if (retry.length > 0) this.throttle.pause(opts.cls, this.clock.now() + waitMs);
        pending = retry;
      }
    }
    return results;
  }

  private url(path: string): string {
    return `${this.root}${path.startsWith('/') ? '' : '/'}${path}`;
  }

  /** A next/delta link must point back at our Graph root: the bearer token never goes elsewhere. */
  private sameRoot(link: string): string {
    if (!link.startsWith(`${this.root}/`)) throw new Error(`Graph returned a link outside ${this.root}: ${link}`);
    return link;
  }

  private backoff(attempt: number): number {
    return Math.floor(this.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)));
  }

  private parse<T>(value: unknown, schema: z.ZodType<T>, where: string): T {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new Error(`unexpected Graph response at ${where}: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return parsed.data;
  }

  private errorFrom(status: number, body: unknown, url: string): GraphError {
    const e = GraphErrorBody.safeParse(body);
    return new GraphError(status, e.success ? e.data.error.code : 'unknown', e.success ? (e.data.error.message ?? '') : '', url);
  }

  /** Sends with throttle, token and retries; returns the parsed JSON body of a 2xx (or an accepted) answer. */
  private async request(method: 'GET' | 'POST', url: string, opts: RequestOptions, extra: { body?: string; units?: number; accept?: number[] } = {}): Promise<unknown> {
    const units = extra.units ?? (opts.cls === 'directory' ? resourceUnits(method, url.slice(this.root.length)) : 1);
    let refreshed = false;
    for (let attempt = 1; attempt <= this.maxTries; attempt++) {
      await this.throttle.acquire(opts.cls, units);
      const token = await this.options.tokens.getToken();
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(extra.body ? { 'content-type': 'application/json' } : {}), ...opts.headers },
          ...(extra.body ? { body: extra.body } : {}),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        // A reset connection or a hung request is retried like a 503; the last one is reported.
        if (attempt === this.maxTries) throw error;
        this.throttle.pause(opts.cls, this.clock.now() + this.backoff(attempt));
        continue;
      }
      this.options.onRequest?.({ method, url, cls: opts.cls, units, status: res.status, at: this.clock.now() });
      const text = await res.text();
      const body: unknown = text ? safeJson(text) : null;
      if (res.ok || extra.accept?.includes(res.status)) return body;
      if (res.status === 401 && !refreshed) {
        refreshed = true;
        this.options.tokens.invalidate();
        continue;
      }
      if (RETRYABLE.has(res.status) && attempt < this.maxTries) {
        const wait = retryAfterMs(res.headers.get('retry-after'), this.clock.now()) ?? this.backoff(attempt);
        this.throttle.pause(opts.cls, this.clock.now() + wait);
        continue;
      }
      throw this.errorFrom(res.status, body, url);
    }
    throw new GraphError(429, 'tooManyRetries', `gave up after ${this.maxTries} tries`, url);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { code: 'notJson', message: text.slice(0, 200) } };
  }
}
