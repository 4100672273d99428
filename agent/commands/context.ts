// What every command receives from the dispatcher: the global options (DESIGN.md, "Contracts") and
// where to write. Commands return their exit code; they never call process.exit themselves.
import type { ParseArgsConfig } from 'node:util';
import type { Lang } from '../../protocol/report.ts';

export interface GlobalOptions {
  readonly lang: Lang;
  /** Where the token, outbox and logs live (used by `run`; accepted by every command). */
  readonly dataDir: string;
  /** HOST:PORT to send CTAPHID reports over UDP instead of USB (used by the HID scan). */
  readonly hidUdp: string | null;
}

export interface Output {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Colour only on a terminal, and never when NO_COLOR is set. */
  readonly color: boolean;
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Command {
  readonly options: OptionSpec;
  run(values: OptionValues, globals: GlobalOptions, out: Output): Promise<number>;
}

export const EXIT_READY = 0;
export const EXIT_NOT_READY = 1;
export const EXIT_ERROR = 2;
