import { describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../../../protocol/api.ts';
import { SESSION_TTL_MS, Sessions, readCookie } from '../../../../collector/api/session.ts';

const cookieOf = (setCookie: string): string => setCookie.split(';')[0] ?? '';

describe('dashboard sessions', () => {
  it('issues an HttpOnly SameSite=Strict cookie another collector with the same key verifies', async () => {
    const a = new Sessions(async () => 'key-1', false);
    const b = new Sessions(async () => 'key-1', true);
    const session = await a.create('admin', 1000);
    const setCookie = a.setCookie(session);
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[^;]+; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200$`));
    expect(b.setCookie(session)).toMatch(/; Secure$/);
    const verified = await b.verify(`other=1; ${cookieOf(setCookie)}`, 2000);
    expect(verified?.username).toBe('admin');
    expect(verified?.csrfToken).toBe(session.csrfToken);
  });

  it('rejects a forged, tampered, expired or logged-out cookie', async () => {
    const sessions = new Sessions(async () => 'key-1', false);
    const session = await sessions.create('admin', 1000);
    const header = cookieOf(sessions.setCookie(session));
    expect(await new Sessions(async () => 'key-2', false).verify(header, 2000)).toBeNull();
    const [payload, signature] = session.value.split('.');
    const forged = Buffer.from(JSON.stringify({ u: 'admin', e: 9e15, n: 'x' })).toString('base64url');
    expect(await sessions.verify(`${SESSION_COOKIE}=${forged}.${signature}`, 2000)).toBeNull();
    expect(await sessions.verify(`${SESSION_COOKIE}=${payload}.`, 2000)).toBeNull();
    expect(await sessions.verify(header, 1000 + SESSION_TTL_MS)).toBeNull();
    expect(await sessions.verify(undefined)).toBeNull();
    sessions.revoke(session, 2000);
    expect(await sessions.verify(header, 3000)).toBeNull();
  });

  it('ties the CSRF token to the session', async () => {
    const sessions = new Sessions(async () => 'key-1', false);
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
