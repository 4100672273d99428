// The device token earned at enrollment. It is the agent's only credential after enrollment, so it
// lives in a folder only the service account can read: owner-only (0700/0600) off Windows; on
// Windows an ACL of SYSTEM and Administrators alone, set on the folder (inherited by the file) before
// the token is written, so the file is never readable by users even for an instant.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { writeFileAtomic } from '../atomic-file.ts';

export const Credentials = z.object({
  deviceId: z.string().min(1).max(64),
  token: z.string().min(1).max(512),
});
export type Credentials = z.infer<typeof Credentials>;

const credentialsDir = (dataDir: string) => join(dataDir, 'credentials');
const credentialsFile = (dataDir: string) => join(credentialsDir(dataDir), 'device.json');

/** icacls arguments granting full control to SYSTEM (S-1-5-18) and Administrators (S-1-5-32-544) only; SIDs, so any Windows language works. */
export function restrictedAclArgs(dir: string): string[] {
  return [dir, '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '/grant:r', '*S-1-5-32-544:(OI)(CI)F'];
}

function prepareDir(dataDir: string): string {
  const dir = credentialsDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') execFileSync('icacls', restrictedAclArgs(dir), { stdio: 'ignore', windowsHide: true });
  else chmodSync(dir, 0o700);
  return dir;
}

/** The stored credentials; null when not enrolled yet or when the file is unreadable (the agent re-enrolls). */
export function loadCredentials(dataDir: string): Credentials | null {
  try {
    const parsed = Credentials.safeParse(JSON.parse(readFileSync(credentialsFile(dataDir), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function saveCredentials(dataDir: string, credentials: Credentials): void {
  prepareDir(dataDir);
  writeFileAtomic(credentialsFile(dataDir), JSON.stringify(credentials), 0o600);
}

export function forgetCredentials(dataDir: string): void {
  rmSync(credentialsFile(dataDir), { force: true });
}
