import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../../../protocol/api.ts';
import { SESSION_TTL_MS, Sessions, readCookie } from '../../../../collector/api/session.ts';
import { openStore } from '../../../../collector/store/index.ts';
import type { Store } from '../../../../collector/store/types.ts';
import { useTmpDir } from '../../../support/tmp.ts';

const cookieOf = (setCookie: string): string => setCookie.split(';')[0] ?? '';

describe('dashboard sessions (server-side, in a real SQLite store)', () => {
  const tmp = useTmpDir('keyready-sessions-');
  let store: Store;
  let path: string;
  beforeAll(async () => {
    path = join(tmp(), 'keyready.sqlite');
    store = await openStore(`sqlite:${path}`);
    await store.migrate();
  });
  afterAll(() => store.close());

  it('issues an HttpOnly SameSite=Strict cookie another collector on the same store verifies', async () => {
    const a = new Sessions(store, false);
    const b = new Sessions(store, true);
    const session = await a.create('admin', 1000);
    const setCookie = a.setCookie(session);
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200$`));
    expect(b.setCookie(session)).toMatch(/; Secure$/);
    const verified = await b.verify(`other=1; ${cookieOf(setCookie)}`, 2000);
    expect(verified?.username).toBe('admin');
    expect(verified?.csrfToken).toBe(session.csrfToken);
  });

  it('rejects an unknown, malformed, expired or logged-out cookie', async () => {
    const sessions = new Sessions(store, false);
    const session = await sessions.create('admin', 1000);
    const header = cookieOf(sessions.setCookie(session));
    expect(await sessions.verify(`${SESSION_COOKIE}=${'A'.repeat(43)}`, 2000)).toBeNull();
    expect(await sessions.verify(`${SESSION_COOKIE}=${session.value}x`, 2000)).toBeNull();
    expect(await sessions.verify(header, 1000 + SESSION_TTL_MS)).toBeNull();
    expect(await sessions.verify(undefined)).toBeNull();
    const revoked: string[] = [];
    sessions.onRevoked((value) => revoked.push(value));
    await sessions.revoke(session);
    expect(revoked).toEqual([session.value]);
    expect(await sessions.verify(header, 3000)).toBeNull();
    // Logged out for every collector on the store, restarts included: the row is gone.
    expect(await new Sessions(store, false).verify(header, 3000)).toBeNull();
  });

  it('a password reset (every session deleted) ends them all', async () => {
    const sessions = new Sessions(store, false);
    const one = await sessions.create('admin');
    await store.deleteSessions(null);
    expect(await sessions.verify(cookieOf(sessions.setCookie(one)))).toBeNull();
  });

  it('keeps nothing in the database that is a cookie or a CSRF token (a file reader cannot sign in)', async () => {
    const sessions = new Sessions(store, false);
    const session = await sessions.create('admin');
    await store.close();
    const bytes = ['', '-wal'].map((suffix) => {
      try {
        return readFileSync(`${path}${suffix}`).toString('latin1');
      } catch {
        return '';
      }
    });
    for (const text of bytes) {
      expect(text).not.toContain(session.value);
      expect(text).not.toContain(session.csrfToken);
    }
    store = await openStore(`sqlite:${path}`);
    await store.migrate();
    expect((await new Sessions(store, false).verify(cookieOf(sessions.setCookie(session))))?.username).toBe('admin');
  });

  it('ties the CSRF token to the session', async () => {
    const sessions = new Sessions(store, false);
    const one = await sessions.create('admin');
    const two = await sessions.create('admin');
    expect(one.csrfToken).not.toBe(two.csrfToken);
  });

  it('reads one cookie out of a Cookie header', () => {
    expect(readCookie('a=1; b=2', 'b')).toBe('2');
    expect(readCookie('ab=1', 'b')).toBeNull();
    expect(readCookie(undefined, 'b')).toBeNull();
  });
});
