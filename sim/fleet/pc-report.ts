// A report as the agent would send it from a PC made of a real dsregcmd capture plus registry and
// key values (sim/fleet/pc.ts), judged by the agent's own engine.
import { buildReport, factsFromCaptures } from '../../agent/report/engine.ts';
import type { DeviceIdentity, Lang, Report } from '../../protocol/report.ts';
import { pcCaptures, type PcSpec } from './pc.ts';

export const SIM_AGENT_VERSION = '0.1.0';

export function pcReport(spec: PcSpec, device: DeviceIdentity, now: Date = new Date(), lang: Lang = 'en'): Report {
  const { facts } = factsFromCaptures(pcCaptures(spec), now.toISOString());
  return buildReport(facts, { lang, agentVersion: SIM_AGENT_VERSION, device, now });
}
