// `keyready-agent check [--json] [--dsregcmd FILE] [--from DIR]`: run every check now, on this PC,
// on a saved dsregcmd output or on a bundle. Exit 0 ready, 1 not ready (or unknown).
import { AgentError } from '../errors.ts';
import { buildReport, gatherFacts, type SourceOptions } from '../report/engine.ts';
import { renderHuman } from '../report/render.ts';
import { AGENT_VERSION } from '../version.ts';
import { EXIT_NOT_READY, EXIT_READY, type Command } from './context.ts';

export const check: Command = {
  options: {
    json: { type: 'boolean' },
    dsregcmd: { type: 'string' },
    from: { type: 'string' },
  },
  async run(values, globals, out) {
    const { dsregcmd, from, json } = values;
    if (typeof dsregcmd === 'string' && typeof from === 'string') {
      throw new AgentError({ key: 'cli.conflicting-sources', params: {} });
    }
    const source: SourceOptions =
      typeof from === 'string'
        ? { kind: 'bundle', dir: from }
        : typeof dsregcmd === 'string'
          ? { kind: 'dsregcmd-file', file: dsregcmd }
          : { kind: 'live', hidUdp: globals.hidUdp };
    const gathered = await gatherFacts(source);
    const report = buildReport(gathered.facts, { lang: globals.lang, agentVersion: AGENT_VERSION, device: gathered.device, now: new Date() });
    out.stdout(json === true ? `${JSON.stringify(report, null, 2)}\n` : renderHuman(report, out.color));
    return report.readiness === 'ready' ? EXIT_READY : EXIT_NOT_READY;
  },
};
