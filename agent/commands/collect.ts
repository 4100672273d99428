// `keyready-agent collect --out DIR`: save every probe's raw output as a support bundle that
// `check --from DIR` replays into the same report.
import { t } from '../../protocol/i18n/index.ts';
import { AgentError } from '../errors.ts';
import { writeBundle } from '../report/bundle.ts';
import { gatherFacts } from '../report/engine.ts';
import { AGENT_VERSION } from '../version.ts';
import { EXIT_READY, type Command } from './context.ts';

export const collect: Command = {
  options: { out: { type: 'string' } },
  async run(values, globals, out) {
    const dir = values.out;
    if (typeof dir !== 'string' || dir.length === 0) throw new AgentError({ key: 'cli.out-required', params: {} });
    const gathered = await gatherFacts({ kind: 'live', hidUdp: globals.hidUdp });
    await writeBundle(dir, gathered.raw, { agentVersion: AGENT_VERSION, collectedAt: gathered.collectedAt });
    const sources = Object.entries(gathered.raw)
      .map(([name, capture]) => `${name}: ${capture.state.state}`)
      .join(', ');
    out.stdout(`${t(globals.lang, 'cli.collected', { dir, sources })}\n`);
    return EXIT_READY;
  },
};
