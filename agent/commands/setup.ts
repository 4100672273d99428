// `keyready-agent setup --collector URL [--enroll-secret S] [--certificate-pin P] [--allow-insecure 1|0] [--tags "k=v;…"]`
// and `setup --remove [--purge]`: what the MSI's custom actions run on the PC, as LocalSystem.
// Install: the data folder (SYSTEM and Administrators only: it holds the secret and the device token),
// agent.json from the MSI properties (kept where a property is empty), a user-facts folder every user
// may write, the logon task running `probe-user`, and the service's restart-on-failure settings.
// Remove: the logon task; with --purge the data folder too. Off Windows only agent.json and the
// folders are made (owner-only) and the Windows steps are named as skipped.
// An MSI custom action shows none of a program's output, so every run also appends what it said to
// <data-dir>/setup.log — the admin's one place to read why an install failed.
import { appendFileSync, chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import { isSea } from 'node:sea';
import { t, type MessageKey } from '../../protocol/i18n/index.ts';
import type { TextParams } from '../../protocol/report.ts';
import { writeFileAtomic } from '../atomic-file.ts';
import { defaultConfigPath } from '../config.ts';
import { AgentError } from '../errors.ts';
import { restrictedAclArgs } from '../link/credentials.ts';
import { runTool } from '../setup/run-tool.ts';
import { errorText } from '../../protocol/error-text.ts';
import { mergeSetupConfig, readExistingConfig, SETUP_FIELDS, type SetupField, type SetupValues } from '../setup/agent-config.ts';
import {
  agentInvocation,
  LOGON_TASK,
  logonTaskXml,
  SC_NO_SUCH_SERVICE,
  schtasksCreateArgs,
  schtasksDeleteArgs,
  serviceRecoveryArgs,
  taskXmlBytes,
  usersWritableAclArgs,
} from '../setup/windows.ts';
import type { Command, GlobalOptions, OptionValues } from './context.ts';

type Say = (key: MessageKey, params?: TextParams) => void;

/** The option names (parseArgs' keys) of the configuration flags. */
const SETUP_FIELD_NAMES = Object.keys(SETUP_FIELDS) as SetupField[];
const optionName = (field: SetupField): string => SETUP_FIELDS[field].flag.slice(2);

/** What the agent itself creates in its data folder: one of them means the folder is ours to purge. */
const DATA_DIR_MARKERS = ['agent.json', 'credentials', 'outbox', 'user', 'setup.log'];

function stepFailed(command: string, args: readonly string[], message: string): AgentError {
  return new AgentError({ key: 'cli.setup.step-failed', params: { command: `${command} ${args[0] ?? ''}`, message } });
}

/** A step the install cannot do without: its failure fails setup (and so rolls the MSI back). */
function mustRun(command: string, args: readonly string[]): void {
  const result = runTool(command, args);
  if (!result.ok) throw stepFailed(command, args, result.message);
}

/** The data folder, created and restricted before anything secret is written into it. */
function prepareDataDir(dataDir: string, windows: boolean): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (windows) mustRun('icacls', restrictedAclArgs(dataDir));
  else chmodSync(dataDir, 0o700);
}

function install(values: OptionValues, globals: GlobalOptions, windows: boolean, say: Say): number {
  const given: SetupValues = {};
  for (const field of SETUP_FIELD_NAMES) {
    const value = values[optionName(field)];
    if (typeof value === 'string') given[field] = value;
  }
  const { dataDir } = globals;
  const configPath = defaultConfigPath(dataDir);
  const merged = mergeSetupConfig(readExistingConfig(configPath), given);

  mkdirSync(dirname(configPath), { recursive: true, mode: 0o700 });
  writeFileAtomic(configPath, `${JSON.stringify(merged.config, null, 2)}\n`, 0o600);
  say('cli.setup.written', { file: configPath, collector: String(merged.config.collector) });
  if (merged.kept.length > 0) say('cli.setup.kept', { fields: merged.kept.map((field) => SETUP_FIELDS[field].property).join(', ') });

  const userDir = join(dataDir, 'user');
  mkdirSync(userDir, { recursive: true });
  if (!windows) {
    say('cli.setup.skipped');
    return 0;
  }
  mustRun('icacls', usersWritableAclArgs(userDir));

  const agent = agentInvocation(process.execPath, process.argv[1], isSea());
  const xmlFile = join(dataDir, 'logon-task.xml');
  writeFileSync(xmlFile, taskXmlBytes(logonTaskXml(agent, dataDir, t(globals.lang, 'cli.setup.task-description'))));
  try {
    mustRun('schtasks', schtasksCreateArgs(xmlFile));
  } finally {
    rmSync(xmlFile, { force: true });
  }
  say('cli.setup.task', { task: LOGON_TASK, command: agent.command });

  const recovery = runTool('sc.exe', serviceRecoveryArgs());
  if (recovery.ok) say('cli.setup.recovery');
  else if (recovery.status === SC_NO_SUCH_SERVICE) say('cli.setup.no-service');
  else throw stepFailed('sc.exe', serviceRecoveryArgs(), recovery.message);
  return 0;
}

function isDataDir(dir: string): boolean {
  const full = resolve(dir);
  if (full === parse(full).root || full === resolve(homedir())) return false;
  return DATA_DIR_MARKERS.some((name) => existsSync(join(full, name)));
}

function remove(purge: boolean, globals: GlobalOptions, windows: boolean, say: Say): number {
  if (windows) {
    // A task already gone is no reason to stop an uninstall.
    say(runTool('schtasks', schtasksDeleteArgs()).ok ? 'cli.setup.task-removed' : 'cli.setup.task-absent', { task: LOGON_TASK });
  } else {
    say('cli.setup.skipped-remove');
  }
  const { dataDir } = globals;
  if (!purge) {
    say('cli.setup.data-kept', { dir: dataDir });
    return 0;
  }
  if (existsSync(dataDir) && !isDataDir(dataDir)) throw new AgentError({ key: 'cli.setup.not-data-dir', params: { dir: dataDir } });
  rmSync(dataDir, { recursive: true, force: true });
  say('cli.setup.purged', { dir: dataDir });
  return 0;
}

/** Best effort: a log that cannot be written must not turn a good install into a failed one. */
function appendSetupLog(dataDir: string, lines: readonly string[]): void {
  if (!existsSync(dataDir)) return;
  const stamp = new Date().toISOString();
  try {
    appendFileSync(join(dataDir, 'setup.log'), lines.map((line) => `${stamp} ${line}\n`).join(''), { mode: 0o600 });
  } catch {
    // nothing else to tell it to
  }
}

export const setup: Command = {
  options: {
    collector: { type: 'string' },
    'enroll-secret': { type: 'string' },
    'certificate-pin': { type: 'string' },
    'allow-insecure': { type: 'string' },
    tags: { type: 'string' },
    remove: { type: 'boolean' },
    purge: { type: 'boolean' },
  },
  async run(values, globals, out) {
    const windows = process.platform === 'win32';
    const removing = values.remove === true;
    if (values.purge === true && !removing) throw new AgentError({ key: 'cli.setup.purge-needs-remove', params: {} });
    const configField = SETUP_FIELD_NAMES.find((field) => values[optionName(field)] !== undefined);
    if (removing && configField !== undefined) throw new AgentError({ key: 'cli.setup.remove-conflict', params: { option: SETUP_FIELDS[configField].flag } });

    const said: string[] = [];
    const say: Say = (key, params = {}) => {
      const line = t(globals.lang, key, params);
      said.push(line);
      out.stdout(`${line}\n`);
    };
    try {
      if (removing) return remove(values.purge === true, globals, windows, say);
      prepareDataDir(globals.dataDir, windows);
      return install(values, globals, windows, say);
    } catch (error) {
      said.push(`error: ${error instanceof AgentError ? error.render(globals.lang) : errorText(error)}`);
      throw error;
    } finally {
      // After a purge there is no folder left to log into, and that is the point.
      appendSetupLog(globals.dataDir, said);
    }
  },
};
