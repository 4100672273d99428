// The signed-in user's facts. The service runs as SYSTEM and cannot see the user's Primary Refresh
// Token; `keyready-agent probe-user`, run in the user's session at logon, writes them here and the
// service merges them into every report. The file is written by an unprivileged user, so the service
// reads it as untrusted input: size-capped, schema-checked, and it only ever fills the user scope.
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { SsoFacts, type DeviceIdentity, type Facts } from '../../protocol/report.ts';
import { describeFirstIssue } from '../../protocol/zod-issue.ts';
import { writeFileAtomic } from '../atomic-file.ts';
import { SOURCE_OK, sourceState } from '../probes/source.ts';
import { errorText } from '../../protocol/error-text.ts';

export const USER_FACTS_FORMAT = 'keyready.user-facts/1';
const MAX_BYTES = 64 * 1024;

export const UserFacts = z.object({
  format: z.literal(USER_FACTS_FORMAT),
  observedAt: z.iso.datetime(),
  sso: SsoFacts,
});
export type UserFacts = z.infer<typeof UserFacts>;

export const userFactsFile = (dataDir: string): string => join(dataDir, 'user', 'facts.json');

export function writeUserFacts(dataDir: string, sso: SsoFacts, now: Date): UserFacts {
  const facts: UserFacts = { format: USER_FACTS_FORMAT, observedAt: now.toISOString(), sso: { ...sso, context: 'user', observedAt: now.toISOString() } };
  mkdirSync(join(dataDir, 'user'), { recursive: true });
  writeFileAtomic(userFactsFile(dataDir), `${JSON.stringify(facts, null, 2)}\n`);
  return facts;
}

export type UserFactsRead = { kind: 'none' } | { kind: 'ok'; facts: UserFacts } | { kind: 'invalid'; problem: string };

export function readUserFacts(dataDir: string): UserFactsRead {
  const path = userFactsFile(dataDir);
  let text: string;
  try {
    if (statSync(path).size > MAX_BYTES) return { kind: 'invalid', problem: `larger than ${MAX_BYTES} bytes` };
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return { kind: 'none' };
    return { kind: 'invalid', problem: errorText(error) };
  }
  try {
    const parsed = UserFacts.safeParse(JSON.parse(text));
    if (parsed.success) return { kind: 'ok', facts: parsed.data };
    return { kind: 'invalid', problem: describeFirstIssue(parsed.error) };
  } catch {
    return { kind: 'invalid', problem: 'not JSON' };
  }
}

/**
 * The service's facts with the user's merged in. The user's file wins for the user scope; without
 * one, facts already in a user context (a replayed capture taken in a user session) stay; otherwise
 * the user source is "no user session seen" and the user checks say unknown for that reason.
 */
export function withUserFacts(facts: Facts, device: DeviceIdentity, user: UserFactsRead): { facts: Facts; device: DeviceIdentity } {
  if (user.kind === 'ok') {
    return {
      facts: { ...facts, sso: user.facts.sso, sources: { ...facts.sources, user: SOURCE_OK } },
      device: { ...device, user: user.facts.sso.user ?? device.user },
    };
  }
  if (facts.sso.context === 'user' && facts.sources.user.state === 'ok') return { facts, device };
  const state =
    user.kind === 'invalid'
      ? sourceState('error', { key: 'reason.user.invalid', params: { problem: user.problem } })
      : sourceState('not-collected', { key: 'reason.user.no-session', params: {} });
  return { facts: { ...facts, sources: { ...facts.sources, user: state } }, device };
}
