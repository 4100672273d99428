// agent.json as `setup` writes it from the installer's properties. A property left empty keeps what
// the existing file says (a MajorUpgrade or repair runs setup again, often without the secret); a
// property given is validated alone first, so a bad one is refused naming the MSI property and the
// flag, and nothing is written. The file keeps only what was set: defaults stay defaults, so a later
// version's new defaults still apply after an upgrade.
import { existsSync, readFileSync } from 'node:fs';
import type { MessageKey } from '../../protocol/i18n/index.ts';
import { AgentConfigFile, ConfigError, readConfigFile, requireSecureCollector } from '../config.ts';
import { AgentError } from '../errors.ts';

/** What setup may set, with the MSI property and the flag that carry it (both named in errors). */
export const SETUP_FIELDS = {
  collector: { property: 'COLLECTOR_URL', flag: '--collector', invalid: 'cli.setup.bad-collector' },
  enrollSecret: { property: 'ENROLL_SECRET', flag: '--enroll-secret', invalid: 'cli.setup.bad-enroll-secret' },
  certificatePin: { property: 'CERTIFICATE_PIN', flag: '--certificate-pin', invalid: 'cli.setup.bad-certificate-pin' },
  allowInsecure: { property: 'ALLOW_INSECURE', flag: '--allow-insecure', invalid: 'cli.setup.bad-allow-insecure' },
  tags: { property: 'TAGS', flag: '--tags', invalid: 'cli.setup.bad-tags' },
} as const satisfies Record<string, { property: string; flag: string; invalid: MessageKey }>;
export type SetupField = keyof typeof SETUP_FIELDS;

/** The values given on the command line; an empty string means "not given" (an empty MSI property). */
export type SetupValues = Partial<Record<SetupField, string>>;

type ConfigObject = Record<string, unknown>;

function refused(field: SetupField, params: Record<string, string | number>): AgentError {
  const { property, flag, invalid } = SETUP_FIELDS[field];
  return new AgentError({ key: invalid, params: { field: `${property} (${flag})`, ...params } });
}

/** "site=Osaka; dept=Sales" → { site: "Osaka", dept: "Sales" }; empty segments are ignored. */
export function parseTags(text: string): Record<string, string> {
  const tags = new Map<string, string>();
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? '' : part.slice(0, eq).trim();
    if (name === '' || tags.has(name)) throw refused('tags', { part: part.trim() });
    tags.set(name, part.slice(eq + 1).trim());
  }
  // fromEntries defines own properties, so a tag called "__proto__" stays a tag.
  const record = Object.fromEntries(tags);
  const checked = AgentConfigFile.shape.tags.safeParse(record);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const name = issue?.path[0];
    throw refused('tags', { part: typeof name === 'string' ? `${name}=${record[name] ?? ''}` : `${tags.size} tags` });
  }
  return record;
}

/** One given value, checked by the same schema as agent.json; the secret itself is never echoed. */
function validated(field: SetupField, value: string): unknown {
  if (field === 'tags') return parseTags(value);
  if (field === 'allowInsecure') {
    if (value !== '0' && value !== '1') throw refused(field, { value });
    return value === '1';
  }
  if (AgentConfigFile.shape[field].safeParse(value).success) return value;
  throw refused(field, field === 'enrollSecret' ? { length: value.length } : { value });
}

/** The existing agent.json as written (not with defaults filled in), or null when there is none. */
export function readExistingConfig(path: string): ConfigObject | null {
  if (!existsSync(path)) return null;
  try {
    readConfigFile(path, true); // validation only: the error names the file and the bad field
  } catch (error) {
    if (error instanceof ConfigError) throw new AgentError({ key: 'cli.setup.existing-invalid', params: { message: error.message.replace(/\s*\n\s*/g, '; ') } });
    throw error;
  }
  return JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, '')) as ConfigObject;
}

export interface MergedConfig {
  readonly config: ConfigObject;
  /** Fields not given this time whose earlier value was kept. */
  readonly kept: readonly SetupField[];
}

export function mergeSetupConfig(existing: ConfigObject | null, values: SetupValues): MergedConfig {
  const config: ConfigObject = { ...existing };
  const kept: SetupField[] = [];
  for (const field of Object.keys(SETUP_FIELDS) as SetupField[]) {
    const value = values[field] ?? '';
    if (value !== '') config[field] = validated(field, value);
    else if (config[field] !== undefined) kept.push(field);
  }
  if (typeof config.collector !== 'string') throw new AgentError({ key: 'cli.setup.no-collector', params: {} });
  // Every piece was checked; this catches only what no single piece shows.
  const whole = AgentConfigFile.safeParse(config);
  if (!whole.success) throw new AgentError({ key: 'cli.bad-config', params: { message: whole.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') } });
  // Refused at install time, not discovered later by a service that never connects.
  requireSecureCollector(whole.data, 'ALLOW_INSECURE=1 (--allow-insecure 1)');
  return { config, kept };
}
