// keyready-agent: the command dispatcher. Each command lives in agent/commands/<name>.ts; this file
// only finds it, parses the global and the command's flags strictly, and turns any error into one
// line on stderr and exit code 2 — never a stack trace.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { langFromLocale, t } from '../protocol/i18n/index.ts';
import { LANGS, type Lang } from '../protocol/report.ts';
import { check } from './commands/check.ts';
import { collect } from './commands/collect.ts';
import { EXIT_ERROR, type Command, type GlobalOptions, type OptionSpec, type OptionValues, type Output } from './commands/context.ts';
import { AgentError } from './errors.ts';
import { errorMessage } from './probes/source.ts';

const COMMANDS: Readonly<Record<string, Command>> = { check, collect };

const GLOBAL_OPTIONS: OptionSpec = {
  lang: { type: 'string' },
  'data-dir': { type: 'string' },
  'hid-udp': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

function defaultLang(env: NodeJS.ProcessEnv): Lang {
  return langFromLocale(env.LC_ALL || env.LC_MESSAGES || env.LANG || Intl.DateTimeFormat().resolvedOptions().locale);
}

function defaultDataDir(env: NodeJS.ProcessEnv): string {
  if (process.platform === 'win32') return join(env.ProgramData ?? 'C:\\ProgramData', 'KeyReady');
  return join(homedir(), '.keyready');
}

function badArgs(message: string): AgentError {
  return new AgentError({ key: 'cli.bad-args', params: { message } });
}

function globalsFrom(values: OptionValues, env: NodeJS.ProcessEnv): GlobalOptions {
  const lang = values.lang;
  if (lang !== undefined && !(LANGS as readonly unknown[]).includes(lang)) {
    throw badArgs(`--lang must be one of ${LANGS.join(', ')} (got "${String(lang)}")`);
  }
  const hidUdp = typeof values['hid-udp'] === 'string' ? values['hid-udp'] : (env.KEYREADY_HID_UDP ?? null);
  if (hidUdp !== null && !/^[^\s:]+:\d{1,5}$/.test(hidUdp)) throw badArgs(`--hid-udp must be HOST:PORT (got "${hidUdp}")`);
  const dataDir = values['data-dir'];
  return {
    lang: (lang as Lang | undefined) ?? defaultLang(env),
    dataDir: typeof dataDir === 'string' ? dataDir : env.KEYREADY_DATA_DIR || defaultDataDir(env),
    hidUdp,
  };
}

/** The command is the first positional argument; flags may come before or after it. */
function commandName(argv: readonly string[]): string | undefined {
  const { positionals } = parseArgs({ args: [...argv], options: GLOBAL_OPTIONS, strict: false, allowPositionals: true });
  return positionals[0];
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv, out: Output): Promise<number> {
  let lang = defaultLang(env);
  try {
    const name = commandName(argv);
    const command = name === undefined ? undefined : COMMANDS[name];
    if (name !== undefined && command === undefined) {
      throw new AgentError({ key: 'cli.unknown-command', params: { command: name, commands: Object.keys(COMMANDS).join(', ') } });
    }
    let parsed;
    try {
      parsed = parseArgs({ args: [...argv], options: { ...GLOBAL_OPTIONS, ...command?.options }, strict: true, allowPositionals: true });
    } catch (error) {
      throw badArgs(errorMessage(error));
    }
    const globals = globalsFrom(parsed.values, env);
    lang = globals.lang;
    if (parsed.positionals.length > 1) throw badArgs(`unexpected argument "${parsed.positionals[1]}"`);
    if (parsed.values.help === true) {
      out.stdout(`${t(lang, 'cli.usage')}\n`);
      return 0;
    }
    if (command === undefined) {
      out.stderr(`${t(lang, 'cli.usage')}\n`);
      return EXIT_ERROR;
    }
    return await command.run(parsed.values, globals, out);
  } catch (error) {
    const message = error instanceof AgentError ? error.render(lang) : errorMessage(error);
    out.stderr(`keyready-agent: ${message}\n`);
    return EXIT_ERROR;
  }
}

const exitCode = await main(process.argv.slice(2), process.env, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  color: process.stdout.isTTY === true && !process.env.NO_COLOR,
});
process.exitCode = exitCode;
