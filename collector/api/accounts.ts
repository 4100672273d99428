// Dashboard accounts: the first-start `admin` (its scrypt hash in settings, reset from the command
// line) and the accounts admins add (admin or helpdesk), kept as admin records. Passwords are made by
// the collector and shown once; only scrypt hashes are stored.
//
// Microsoft Entra ID sign-in later: an account record already says how it signs in (`provider`). An
// OpenID Connect route pair (/api/login/entra → the tenant's authorize endpoint; its callback checks the
// ID token's issuer, audience and nonce) would find the record whose username is the token's UPN with
// provider `entra`, and call Sessions.create(username) exactly as the password login does: sessions,
// roles, CSRF and the audit log do not change. Such records carry no password hash.
import * as z from 'zod';
import type { AccountInfo, Role } from '../../protocol/api.ts';
import { ROLES } from '../../protocol/api.ts';
import { hashPassword, randomSecret, safeEqual, verifyPassword } from '../shared/credentials.ts';
import { HttpError } from '../shared/http.ts';
import type { Store } from '../store/types.ts';

export const ADMIN_USERNAME = 'admin';
export const SETTING_ADMIN_PASSWORD = 'admin.passwordHash';

const AccountBody = z.object({
  role: z.enum(ROLES),
  provider: z.enum(['local', 'entra']),
  passwordHash: z.string().nullable(),
  disabled: z.boolean(),
  createdAt: z.number().int(),
});
type AccountBody = z.infer<typeof AccountBody>;

/** A signed-in account as the API needs it. */
export interface Account {
  username: string;
  role: Role;
}

/** Compared against when the username is unknown, so a wrong name costs the same time as a wrong password. */
let dummyHash: Promise<string> | null = null;

async function readBody(store: Store, username: string): Promise<AccountBody | null> {
  const record = await store.getRecord('account', username);
  if (!record) return null;
  const parsed = AccountBody.safeParse(JSON.parse(record.body));
  if (!parsed.success) throw new Error(`account record "${username}" is malformed`);
  return parsed.data;
}

function info(username: string, body: AccountBody): AccountInfo {
  return { username, role: body.role, disabled: body.disabled, builtIn: false, provider: body.provider, createdAt: new Date(body.createdAt).toISOString() };
}

const BUILT_IN_ADMIN: AccountInfo = { username: ADMIN_USERNAME, role: 'admin', disabled: false, builtIn: true, provider: 'local', createdAt: null };

/** The enabled account behind a session, or null (disabled or deleted since: the session is over). */
export async function resolveAccount(store: Store, username: string): Promise<Account | null> {
  if (username === ADMIN_USERNAME) return { username, role: 'admin' };
  const body = await readBody(store, username);
  return body && !body.disabled ? { username, role: body.role } : null;
}

/** The account these credentials sign in, or null; the password is always checked, whatever the name. */
export async function checkLogin(store: Store, username: string, password: string): Promise<Account | null> {
  const builtIn = safeEqual(username, ADMIN_USERNAME);
  const body = builtIn ? null : await readBody(store, username);
  const hash = builtIn ? await store.getSetting(SETTING_ADMIN_PASSWORD) : (body?.passwordHash ?? null);
  const ok = await verifyPassword(password, hash ?? (await (dummyHash ??= hashPassword(randomSecret()))));
  if (!ok || hash === null) return null;
  if (builtIn) return { username: ADMIN_USERNAME, role: 'admin' };
  return body && !body.disabled && body.provider === 'local' ? { username, role: body.role } : null;
}

export async function listAccounts(store: Store): Promise<AccountInfo[]> {
  const records = await store.listRecords('account');
  return [BUILT_IN_ADMIN, ...records.map((r) => info(r.id, AccountBody.parse(JSON.parse(r.body))))];
}

/** Adds an account with a generated password (returned once). */
export async function createAccount(store: Store, username: string, role: Role, now: Date): Promise<{ account: AccountInfo; password: string }> {
  if (username.toLowerCase() === ADMIN_USERNAME || (await store.getRecord('account', username))) {
    throw new HttpError(409, `an account named "${username}" already exists`);
  }
  const password = randomSecret(12);
  const body: AccountBody = { role, provider: 'local', passwordHash: await hashPassword(password), disabled: false, createdAt: now.getTime() };
  await store.putRecord('account', username, JSON.stringify(body), now);
  return { account: info(username, body), password };
}

export interface AccountChanges {
  role?: Role;
  disabled?: boolean;
  resetPassword?: true;
}

/**
 * Changes an account. Any change ends its open sessions (a disabled account is out at once; a new role
 * or password applies from the next sign-in). Returns the new password when one was made.
 */
export async function changeAccount(store: Store, username: string, changes: AccountChanges, now: Date): Promise<{ account: AccountInfo; password: string | null }> {
  if (username === ADMIN_USERNAME) throw new HttpError(409, 'the built-in admin cannot be changed here (keyready-collector reset-admin-password)');
  const body = await readBody(store, username);
  if (!body) throw new HttpError(404, 'no such account');
  const password = changes.resetPassword ? randomSecret(12) : null;
  const next: AccountBody = {
    ...body,
    role: changes.role ?? body.role,
    disabled: changes.disabled ?? body.disabled,
    passwordHash: password === null ? body.passwordHash : await hashPassword(password),
  };
  await store.putRecord('account', username, JSON.stringify(next), now);
  await store.deleteUserSessions(username);
  return { account: info(username, next), password };
}
