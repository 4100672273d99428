// What the agent keeps on disk carries the user's UPN, the tenant and the PC's weaknesses (reports,
// logs), or its credential: only the service account may read it. Off Windows that is 0700 folders
// and 0600 files, applied with chmod because mkdir's and open's modes are filtered by the umask (and
// an older install left 0755 folders). On Windows the installer's ACL on %ProgramData%\KeyReady
// (SYSTEM and Administrators) is inherited by everything below it.
import { chmodSync, mkdirSync } from 'node:fs';

export const OWNER_ONLY_FILE = 0o600;

export function ownerOnlyDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') chmodSync(dir, 0o700);
}
