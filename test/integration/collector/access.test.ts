// Accounts and roles on a real collector process (SQLite; the store calls behind them are in the
// store conformance suite on both engines): the admin adds a helpdesk account, which may read and
// re-check but is refused settings, accounts, the audit log and exports on the server, whatever the
// page shows; disabling it ends its session at once; the command line adds and disables accounts too;
// every sign-in, refusal-worthy change and export lands in the audit log.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountList, AccountSaved, AuditLog, SessionInfo } from '../../../protocol/api.ts';
import { startCollectorProcess, type CollectorProcess } from '../../../sim/processes/collector-process.ts';
import { ApiClient } from '../../support/api-client.ts';

const BIN = resolve(import.meta.dirname, '..', '..', '..', 'bin', 'keyready-collector.js');

describe('dashboard accounts and roles', () => {
  let dir: string;
  let db: string;
  let collector: CollectorProcess;
  let admin: ApiClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keyready-access-'));
    db = `sqlite:${join(dir, 'keyready.sqlite')}`;
    collector = await startCollectorProcess({ db });
    admin = await ApiClient.login(collector.url, collector.adminPassword!);
  });

  afterAll(async () => {
    await collector?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets an admin add a helpdesk account that signs in with its one-time password and its role', async () => {
    const created = await admin.request('POST', '/api/accounts', { body: { username: 'hana.sato', role: 'helpdesk' } });
    expect(created.status).toBe(201);
    const saved = AccountSaved.parse(created.body);
    expect(saved.account).toMatchObject({ username: 'hana.sato', role: 'helpdesk', disabled: false, builtIn: false, provider: 'local' });
    expect(saved.password).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect((await admin.request('POST', '/api/accounts', { body: { username: 'hana.sato', role: 'admin' } })).status).toBe(409);
    expect((await admin.request('POST', '/api/accounts', { body: { username: 'admin', role: 'admin' } })).status).toBe(409);
    expect((await admin.request('POST', '/api/accounts', { body: { username: '<script>', role: 'admin' } })).status).toBe(400);
    const helpdesk = await ApiClient.login(collector.url, saved.password!, 'hana.sato');
    expect(SessionInfo.parse(await helpdesk.get('/api/session'))).toMatchObject({ username: 'hana.sato', role: 'helpdesk' });
    const list = AccountList.parse(await admin.get('/api/accounts'));
    expect(list.accounts.map((a) => [a.username, a.role, a.builtIn])).toEqual([['admin', 'admin', true], ['hana.sato', 'helpdesk', false]]);
    // The stored record has a scrypt hash, never the password.
    expect(JSON.stringify(list)).not.toContain(saved.password);
  });

  it('refuses a helpdesk account settings, accounts, the audit log and exports on the server; reading and re-checks are allowed', async () => {
    const { password } = AccountSaved.parse((await admin.request('POST', '/api/accounts', { body: { username: 'kenji', role: 'helpdesk' } })).body);
    const helpdesk = await ApiClient.login(collector.url, password!, 'kenji');
    for (const path of ['/api/summary', '/api/devices', '/api/session', '/api/enroll-info', '/api/users']) expect((await helpdesk.request('GET', path)).status, path).toBe(200);
    // Allowed through to the route itself (no such PC), not refused.
    expect((await helpdesk.request('POST', '/api/devices/no-such-pc/recheck')).status).toBe(404);
    for (const [method, path] of [
      ['GET', '/api/accounts'],
      ['POST', '/api/accounts'],
      ['POST', '/api/accounts/kenji'],
      ['GET', '/api/audit'],
      ['GET', '/api/export.csv'],
      ['GET', '/api/export.json?readiness=ready'],
      ['GET', '/api/users.csv'],
      ['POST', '/api/some-future-setting'],
      ['POST', '/api/tags'],
    ] as const) {
      const answer = await helpdesk.request(method, path, method === 'POST' ? { body: { username: 'x', role: 'admin' } } : {});
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.text).not.toContain('hana.sato');
    }
    // The admin gets past the check to the route (none there).
    expect((await admin.request('POST', '/api/some-future-setting', { body: {} })).status).toBe(404);
  });

  it('ends a disabled account’s session at once and refuses its sign-in; an admin cannot disable themself', async () => {
    const { password } = AccountSaved.parse((await admin.request('POST', '/api/accounts', { body: { username: 'taro', role: 'admin' } })).body);
    const taro = await ApiClient.login(collector.url, password!, 'taro');
    expect((await taro.request('GET', '/api/accounts')).status).toBe(200);
    expect((await taro.request('POST', '/api/accounts/taro', { body: { disabled: true } })).status).toBe(409);
    const changed = await admin.request('POST', '/api/accounts/taro', { body: { disabled: true } });
    expect(AccountSaved.parse(changed.body).account.disabled).toBe(true);
    expect((await taro.request('GET', '/api/summary')).status).toBe(401);
    await expect(ApiClient.login(collector.url, password!, 'taro')).rejects.toThrow(/401/);
    expect((await admin.request('POST', '/api/accounts/admin', { body: { disabled: true } })).status).toBe(409);
    // A new password works; the old one no longer does.
    await admin.request('POST', '/api/accounts/taro', { body: { disabled: false } });
    const reset = AccountSaved.parse((await admin.request('POST', '/api/accounts/taro', { body: { resetPassword: true } })).body);
    await expect(ApiClient.login(collector.url, password!, 'taro')).rejects.toThrow(/401/);
    expect(SessionInfo.parse(await (await ApiClient.login(collector.url, reset.password!, 'taro')).get('/api/session')).role).toBe('admin');
  });

  it('adds and disables accounts from the command line (same database), recorded as the command line', async () => {
    const added = spawnSync(process.execPath, [BIN, 'add-user', 'yuki', 'helpdesk', '--db', db, '--data-dir', dir], { encoding: 'utf8' });
    expect(added.status, added.stderr).toBe(0);
    const password = /Dashboard account added: yuki \(helpdesk\) \/ (\S+)/.exec(added.stdout)?.[1];
    expect(password).toBeDefined();
    const yuki = await ApiClient.login(collector.url, password!, 'yuki');
    expect(SessionInfo.parse(await yuki.get('/api/session')).role).toBe('helpdesk');
    const again = spawnSync(process.execPath, [BIN, 'add-user', 'yuki', '--db', db, '--data-dir', dir], { encoding: 'utf8' });
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('already exists');
    const badRole = spawnSync(process.execPath, [BIN, 'add-user', 'mei', 'owner', '--db', db, '--data-dir', dir], { encoding: 'utf8' });
    expect(badRole.status).toBe(2);
    const disabled = spawnSync(process.execPath, [BIN, 'disable-user', 'yuki', '--db', db, '--data-dir', dir], { encoding: 'utf8' });
    expect(disabled.status, disabled.stderr).toBe(0);
    expect((await yuki.request('GET', '/api/summary')).status).toBe(401);
  });

  it('keeps an audit log of sign-ins, failed sign-ins, account changes and exports, for admins', async () => {
    await expect(ApiClient.login(collector.url, 'wrong-password', 'hana.sato')).rejects.toThrow(/401/);
    expect((await admin.request('GET', '/api/export.csv?readiness=ready')).status).toBe(200);
    expect((await admin.request('GET', '/api/users.csv?verdict=ready')).status).toBe(200);
    const { entries } = AuditLog.parse(await admin.get('/api/audit'));
    const seen = entries.map((e) => `${e.username} ${e.action} ${e.target ?? ''}`.trim());
    expect(seen).toEqual(expect.arrayContaining([
      'admin sign-in',
      'admin account-create hana.sato',
      'hana.sato sign-in',
      'hana.sato sign-in-failed',
      'admin account-change taro',
      'command line account-create yuki',
      'command line account-change yuki',
      'admin export export.csv',
      'admin export users.csv',
    ]));
    const exported = entries.find((e) => e.action === 'export' && e.target === 'export.csv')!;
    expect(exported.detail).toBe('readiness=ready');
    expect(exported.address).toBe('127.0.0.1');
    // Newest first.
    expect(entries.map((e) => e.at)).toEqual([...entries.map((e) => e.at)].sort().reverse());
  });
});
