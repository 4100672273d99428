// `keyready-agent probe-user [--dsregcmd FILE]`: run in the signed-in user's session (the installer
// registers it as a logon task). Reads the user's SSO state from `dsregcmd /status` (or a saved
// output) and leaves it, time-stamped, where the SYSTEM service reads it (<data-dir>/user/facts.json).
import { t } from '../../protocol/i18n/index.ts';
import { AgentError } from '../errors.ts';
import { captureDsregcmd, interpretDsregcmd } from '../probes/dsregcmd.ts';
import { captureSources } from '../report/engine.ts';
import { userFactsFile, writeUserFacts } from '../service/user-facts.ts';
import type { Command } from './context.ts';

export const probeUser: Command = {
  options: { dsregcmd: { type: 'string' } },
  async run(values, globals, out) {
    const file = values.dsregcmd;
    const capture = typeof file === 'string' ? (await captureSources({ kind: 'dsregcmd-file', file })).captures.dsregcmd : await captureDsregcmd();
    if (capture.raw === null) throw new AgentError({ key: 'cli.probe-user.no-dsregcmd', params: { reason: capture.state.reason ?? capture.state.state } });
    const derived = interpretDsregcmd(capture.raw);
    if (!derived.ok) throw new AgentError(derived.reason);
    // Facts read as SYSTEM would overwrite the user's with a service's view: refuse them.
    if (derived.sso.context === 'system') throw new AgentError({ key: 'cli.probe-user.system', params: {} });
    const written = writeUserFacts(globals.dataDir, derived.sso, new Date());
    out.stdout(`${t(globals.lang, 'cli.probe-user.written', { file: userFactsFile(globals.dataDir), user: written.sso.user ?? '-' })}\n`);
    return 0;
  },
};
