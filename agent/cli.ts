// keyready-agent: the command dispatcher. Each command lives in agent/commands/<name>.ts; this file
// only finds it, parses the global and the command's flags strictly, and turns any error into one
// line on stderr and exit code 2 — never a stack trace.
import { parseArgs } from 'node:util';
import { langFromLocale, t } from '../protocol/i18n/index.ts';
import { LANGS, type Lang } from '../protocol/report.ts';
import { check } from './commands/check.ts';
import { collect } from './commands/collect.ts';
import { keys } from './commands/keys.ts';
import { probeUser } from './commands/probe-user.ts';
import { run } from './commands/run.ts';
import { setup } from './commands/setup.ts';
import { EXIT_ERROR, type Command, type GlobalOptions, type OptionSpec, type OptionValues, type Output } from './commands/context.ts';
import { defaultDataDir } from './config.ts';
import { AgentError } from './errors.ts';
import { setNativeAddonDir } from './fido/transport/hid-addon.ts';
import { AGENT_VERSION } from './version.ts';
import { errorText } from '../protocol/error-text.ts';

const COMMANDS: Readonly<Record<string, Command>> = { check, collect, keys, run, 'probe-user': probeUser, setup };

const GLOBAL_OPTIONS: OptionSpec = {
  lang: { type: 'string' },
  'data-dir': { type: 'string' },
  'hid-udp': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

function defaultLang(env: NodeJS.ProcessEnv): Lang {
  return langFromLocale(env.LC_ALL || env.LC_MESSAGES || env.LANG || Intl.DateTimeFormat().resolvedOptions().locale);
}

/** parseArgs' own errors, said in the user's language where we know what they mean. */
function argsError(error: unknown, options: OptionSpec): AgentError {
  const code = (error as NodeJS.ErrnoException).code;
  const message = errorText(error);
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? message;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const known = Object.keys(options).map((name) => `--${name}`).join(', ');
    return new AgentError({ key: 'cli.unknown-option', params: { option: quoted, options: known } });
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return new AgentError({ key: 'cli.option-value', params: { option: quoted.split(' ')[0] ?? quoted } });
  return new AgentError({ key: 'reason.failed', params: { message } });
}

function globalsFrom(values: OptionValues, env: NodeJS.ProcessEnv): GlobalOptions {
  const lang = values.lang;
  if (lang !== undefined && !(LANGS as readonly unknown[]).includes(lang)) {
    throw new AgentError({ key: 'cli.bad-lang', params: { value: String(lang), langs: LANGS.join(', ') } });
  }
  const hidUdp = typeof values['hid-udp'] === 'string' ? values['hid-udp'] : (env.KEYREADY_HID_UDP ?? null);
  if (hidUdp !== null && !/^[^\s:]+:\d{1,5}$/.test(hidUdp)) throw new AgentError({ key: 'cli.bad-hid-udp', params: { value: hidUdp } });
  const dataDir = values['data-dir'];
  return {
    lang: (lang as Lang | undefined) ?? defaultLang(env),
    dataDir: typeof dataDir === 'string' ? dataDir : defaultDataDir(process.platform, env),
    hidUdp,
  };
}

/**
 * A first, lenient look: the command is the first positional argument (flags may come before or
 * after it), and a valid --lang is honoured even in the error about another flag.
 */
function preview(argv: readonly string[], env: NodeJS.ProcessEnv): { name: string | undefined; lang: Lang } {
  const { values, positionals } = parseArgs({ args: [...argv], options: GLOBAL_OPTIONS, strict: false, allowPositionals: true });
  const lang = (LANGS as readonly unknown[]).includes(values.lang) ? (values.lang as Lang) : defaultLang(env);
  return { name: positionals[0], lang };
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv, out: Output): Promise<number> {
  const { name, lang: previewLang } = preview(argv, env);
  let lang = previewLang;
  try {
    const command = name === undefined ? undefined : COMMANDS[name];
    if (name !== undefined && command === undefined) {
      throw new AgentError({ key: 'cli.unknown-command', params: { command: name, commands: Object.keys(COMMANDS).join(', ') } });
    }
    const options = { ...GLOBAL_OPTIONS, ...command?.options };
    let parsed;
    try {
      parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
    } catch (error) {
      throw argsError(error, options);
    }
    const globals = globalsFrom(parsed.values, env);
    lang = globals.lang;
    setNativeAddonDir(globals.dataDir);
    const extra = parsed.positionals[1];
    if (extra !== undefined) throw new AgentError({ key: 'cli.unexpected-argument', params: { arg: extra } });
    if (parsed.values.version === true) {
      out.stdout(`${AGENT_VERSION}\n`);
      return 0;
    }
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
    const message = error instanceof AgentError ? error.render(lang) : errorText(error);
    out.stderr(`keyready-agent: ${message}\n`);
    return EXIT_ERROR;
  }
}

// No top-level await: the agent ships as one CommonJS file (installers/build.ts).
void main(process.argv.slice(2), process.env, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  color: process.stdout.isTTY === true && !process.env.NO_COLOR,
}).then((exitCode) => {
  process.exitCode = exitCode;
});
