// The service's view of the PC: full checks through the engine (with the signed-in user's facts
// merged in), and a cheap re-probe that notices policy, join and build changes between them.
import { createHash } from 'node:crypto';
import type { Lang, Report } from '../../protocol/report.ts';
import { captureRegistry } from '../probes/registry.ts';
import { buildReport, captureSources, gatherFacts, type SourceOptions } from '../report/engine.ts';
import type { StateSource } from './scheduler.ts';
import { readUserFacts, withUserFacts } from './user-facts.ts';

export interface ServiceSourceOptions {
  readonly source: SourceOptions;
  readonly lang: Lang;
  readonly agentVersion: string;
  readonly dataDir: string;
}

export function serviceSource(options: ServiceSourceOptions): StateSource {
  return {
    async check(): Promise<Report> {
      const gathered = await gatherFacts(options.source);
      const { facts, device } = withUserFacts(gathered.facts, gathered.device, readUserFacts(options.dataDir));
      return buildReport(facts, { lang: options.lang, agentVersion: options.agentVersion, device, now: new Date() });
    },
    async quickFingerprint(): Promise<string> {
      // Live: the registry only (a few `reg query` runs; dsregcmd is too heavy to run every minute).
      // A replay: its files, which is how tests change a replayed PC under a running agent.
      const raw = options.source.kind === 'live' ? (await captureRegistry()).raw : await replayedState(options.source);
      return createHash('sha256').update(JSON.stringify(raw)).digest('hex');
    },
  };
}

async function replayedState(source: SourceOptions): Promise<unknown> {
  const { captures } = await captureSources(source);
  return [captures.dsregcmd, captures.registry, captures.os, captures.hid];
}
