// Dashboard sessions, kept server-side in the store: the cookie is 256 random bits and the store holds
// only its sha256, so a reader of the database file (or a backup) cannot turn anything in it into a
// cookie, and every collector sharing the database sees a session, a logout or a password reset at
// once, restarts included. A signed cookie would need a signing key every collector shares; kept in
// the database a file reader has it, kept in a file beside it every collector needs the same copy.
// The CSRF token is an HMAC keyed by the cookie itself: it needs no storage and the store cannot give it.
// A session names only its account: how the account proved itself (a password today, Microsoft Entra ID
// sign-in later) stays outside, so an Entra login route ends in the same create() (accounts.ts says how).
import { createHmac } from 'node:crypto';
import { SESSION_COOKIE } from '../../protocol/api.ts';
import { hashToken, randomSecret } from '../shared/credentials.ts';
import type { Store } from '../store/types.ts';

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export type SessionStore = Pick<Store, 'createSession' | 'getSession' | 'deleteSessions'>;

export interface Session {
  username: string;
  csrfToken: string;
  /** The cookie value, for logout. */
  value: string;
  expires: number;
}

export class Sessions {
  readonly #revokedListeners = new Set<(value: string) => void>();

  constructor(
    private readonly store: SessionStore,
    private readonly secureCookies: boolean,
  ) {}

  async create(username: string, now = Date.now()): Promise<Session> {
    const expires = now + SESSION_TTL_MS;
    const value = randomSecret();
    await this.store.createSession(hashToken(value), username, new Date(expires));
    return { username, csrfToken: csrfOf(value), value, expires };
  }

  /** The session a Cookie header carries, or null when absent, unknown, expired or logged out. */
  async verify(cookieHeader: string | undefined, now = Date.now()): Promise<Session | null> {
    const value = readCookie(cookieHeader, SESSION_COOKIE);
    // A real cookie is 43 base64url characters; anything else costs no store lookup.
    if (!value || !/^[A-Za-z0-9_-]{43}$/.test(value)) return null;
    const stored = await this.store.getSession(hashToken(value), new Date(now));
    if (!stored) return null;
    return { username: stored.username, csrfToken: csrfOf(value), value, expires: stored.expiresAt.getTime() };
  }

  /** Whether the session of this cookie value still exists (another collector's logout, a password reset). */
  async alive(value: string, now = Date.now()): Promise<boolean> {
    return (await this.store.getSession(hashToken(value), new Date(now))) !== null;
  }

  /** Ends the session everywhere; open live sockets of it on this collector are closed at once. */
  async revoke(session: Session): Promise<void> {
    await this.store.deleteSessions(hashToken(session.value));
    for (const listener of this.#revokedListeners) listener(session.value);
  }

  /** Called with the cookie value of each session revoked through this collector. */
  onRevoked(listener: (value: string) => void): () => void {
    this.#revokedListeners.add(listener);
    return () => this.#revokedListeners.delete(listener);
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

function csrfOf(value: string): string {
  return createHmac('sha256', value).update('keyready csrf').digest('base64url');
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
