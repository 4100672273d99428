// `--dsregcmd FILE` and `--from DIR`: where `check` and `run` read the PC from (live when neither).
import { AgentError } from '../errors.ts';
import type { SourceOptions } from '../report/engine.ts';
import type { GlobalOptions, OptionSpec, OptionValues } from './context.ts';

export const SOURCE_OPTIONS: OptionSpec = {
  dsregcmd: { type: 'string' },
  from: { type: 'string' },
};

export function sourceFromFlags(values: OptionValues, globals: GlobalOptions): SourceOptions {
  const { dsregcmd, from } = values;
  if (typeof dsregcmd === 'string' && typeof from === 'string') throw new AgentError({ key: 'cli.conflicting-sources', params: {} });
  if (typeof from === 'string') return { kind: 'bundle', dir: from };
  if (typeof dsregcmd === 'string') return { kind: 'dsregcmd-file', file: dsregcmd };
  return { kind: 'live', hidUdp: globals.hidUdp };
}
