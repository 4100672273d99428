// Dashboard sessions: a signed cookie every collector on the same store can verify (the signing key
// is a store setting), so a dashboard may talk to any of them. The key is mixed with the admin
// password hash: resetting the password ends every session. The CSRF token is derived from the
// cookie, so it needs no storage either.
import { createHmac, randomBytes } from 'node:crypto';
import { SESSION_COOKIE } from '../../protocol/api.ts';
import { safeEqual } from '../shared/credentials.ts';

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface Session {
  username: string;
  csrfToken: string;
  /** The cookie value, for logout. */
  value: string;
  expires: number;
}

export class Sessions {
  /** Logged-out cookies until they expire anyway (this collector only; see collector/README). */
  readonly #revoked = new Map<string, number>();

  /** `signingKey` returns the store's session key mixed with the admin password hash. */
  constructor(
    private readonly signingKey: () => Promise<string>,
    private readonly secureCookies: boolean,
  ) {}

  async create(username: string, now = Date.now()): Promise<Session> {
    const expires = now + SESSION_TTL_MS;
    const payload = Buffer.from(JSON.stringify({ u: username, e: expires, n: randomBytes(12).toString('base64url') })).toString('base64url');
    const key = await this.signingKey();
    const value = `${payload}.${sign(key, payload)}`;
    return { username, csrfToken: sign(key, `csrf:${value}`), value, expires };
  }

  /** The session a Cookie header carries, or null when absent, forged, expired or logged out. */
  async verify(cookieHeader: string | undefined, now = Date.now()): Promise<Session | null> {
    const value = readCookie(cookieHeader, SESSION_COOKIE);
    if (!value || value.length > 1024 || this.#revoked.has(value)) return null;
    const [payload, signature] = value.split('.');
    if (!payload || !signature) return null;
    const key = await this.signingKey();
    if (!safeEqual(signature, sign(key, payload))) return null;
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (typeof claims !== 'object' || claims === null) return null;
    const { u, e } = claims as { u?: unknown; e?: unknown };
    if (typeof u !== 'string' || typeof e !== 'number' || e <= now) return null;
    return { username: u, csrfToken: sign(key, `csrf:${value}`), value, expires: e };
  }

  revoke(session: Session, now = Date.now()): void {
    for (const [value, expires] of this.#revoked) if (expires <= now) this.#revoked.delete(value);
    this.#revoked.set(session.value, session.expires);
  }

  setCookie(session: Session): string {
    return this.#cookie(session.value, Math.floor(SESSION_TTL_MS / 1000));
  }

  clearCookie(): string {
    return this.#cookie('', 0);
  }

  #cookie(value: string, maxAge: number): string {
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${this.secureCookies ? '; Secure' : ''}`;
  }
}

function sign(key: string, data: string): string {
  return createHmac('sha256', key).update(data).digest('base64url');
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
