// `keyready-agent check [--json] [--dsregcmd FILE] [--from DIR]`: run every check now, on this PC,
// on a saved dsregcmd output or on a bundle. Exit 0 ready, 1 not ready (or unknown).
import { buildReport, gatherFacts } from '../report/engine.ts';
import { renderHuman } from '../report/render.ts';
import { AGENT_VERSION } from '../version.ts';
import { EXIT_NOT_READY, EXIT_READY, type Command } from './context.ts';
import { SOURCE_OPTIONS, sourceFromFlags } from './source-flags.ts';

export const check: Command = {
  options: {
    json: { type: 'boolean' },
    ...SOURCE_OPTIONS,
  },
  async run(values, globals, out) {
    const gathered = await gatherFacts(sourceFromFlags(values, globals));
    const report = buildReport(gathered.facts, { lang: globals.lang, agentVersion: AGENT_VERSION, device: gathered.device, now: new Date() });
    out.stdout(values.json === true ? `${JSON.stringify(report, null, 2)}\n` : renderHuman(report, out.color));
    return report.readiness === 'ready' ? EXIT_READY : EXIT_NOT_READY;
  },
};
