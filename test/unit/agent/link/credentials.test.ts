// The device token's storage. The Windows ACL itself can only be applied on Windows (icacls): here
// its arguments are checked, and the owner-only modes are checked on the real file system.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { forgetCredentials, loadCredentials, restrictedAclArgs, saveCredentials } from '../../../../agent/link/credentials.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyready-cred-'));
  dirs.push(dir);
  return dir;
}

describe('device credentials', () => {
  it('are stored owner-only, read back, and forgotten', () => {
    const dir = dataDir();
    expect(loadCredentials(dir)).toBeNull();
    saveCredentials(dir, { deviceId: 'dev-1', token: 'tok-abc' });
    expect(statSync(join(dir, 'credentials')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'credentials', 'device.json')).mode & 0o777).toBe(0o600);
    expect(loadCredentials(dir)).toEqual({ deviceId: 'dev-1', token: 'tok-abc' });
    forgetCredentials(dir);
    expect(loadCredentials(dir)).toBeNull();
  });

  it('treat a damaged file as "not enrolled" (the agent enrolls again if it has a secret)', () => {
    const dir = dataDir();
    saveCredentials(dir, { deviceId: 'dev-1', token: 'tok-abc' });
    writeFileSync(join(dir, 'credentials', 'device.json'), '{"deviceId": "dev-1"');
    expect(loadCredentials(dir)).toBeNull();
  });

  it('on Windows, grant SYSTEM and Administrators only, by SID, inherited by the token file', () => {
    expect(restrictedAclArgs('C:\\ProgramData\\KeyReady\\credentials')).toEqual([
      'C:\\ProgramData\\KeyReady\\credentials',
      '/inheritance:r',
      '/grant:r',
      '*S-1-5-18:(OI)(CI)F',
      '/grant:r',
      '*S-1-5-32-544:(OI)(CI)F',
    ]);
  });
});
