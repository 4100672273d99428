// A signed-in dashboard client for tests: cookie and CSRF header handled like the browser does.
import { CSRF_HEADER, SESSION_COOKIE } from '../../protocol/api.ts';

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly cookie: string,
    readonly csrfToken: string,
  ) {}

  static async login(baseUrl: string, password: string, username = 'admin'): Promise<ApiClient> {
    const res = await fetch(`${baseUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
    const setCookie = res.headers.get('set-cookie') ?? '';
    const cookie = setCookie.split(';')[0] ?? '';
    if (!cookie.startsWith(`${SESSION_COOKIE}=`)) throw new Error(`no session cookie: ${setCookie}`);
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    return new ApiClient(baseUrl, cookie, csrfToken);
  }

  async request(method: string, path: string, options: { csrf?: boolean; cookie?: boolean; body?: unknown } = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = {};
    if (options.cookie !== false) headers.cookie = this.cookie;
    if (options.csrf !== false && method !== 'GET') headers[CSRF_HEADER] = this.csrfToken;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    return { status: res.status, headers: res.headers, body, text };
  }

  async get<T>(path: string): Promise<T> {
    const res = await this.request('GET', path);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.text}`);
    return res.body as T;
  }
}
