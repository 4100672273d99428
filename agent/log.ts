// The agent's log: rotating files under <data-dir>/logs (%ProgramData%\KeyReady\logs on Windows),
// the console as well when a person is watching (a TTY). Every line passes a redaction format first,
// so neither the enrollment secret nor the device token can reach a log, whoever logs what.
import { join } from 'node:path';
import winston from 'winston';
import type { Logger } from 'winston';
import { RotatingFile } from './log-file.ts';

export type Log = Pick<Logger, 'error' | 'warn' | 'info' | 'debug'>;

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogOptions {
  readonly dataDir: string;
  readonly level: LogLevel;
  /** Size at which a file is rotated, and how many files are kept (so the logs never exceed both). */
  readonly maxFileBytes: number;
  readonly maxFiles: number;
  readonly console: boolean;
  /** Values that must never be written (the secret, the token); read at every line, so add as they become known. */
  readonly secrets: ReadonlySet<string>;
}

export const LOG_DEFAULTS = { level: 'info', maxFileBytes: 5 * 1024 * 1024, maxFiles: 5 } as const;

export const REDACTED = '[redacted]';
/** Field names whose values are credentials wherever they appear. */
const SENSITIVE_KEY = /secret|token|password|passwd|authorization|cookie|^pin$/i;
/** user:password@ in a URL. */
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi;
const MAX_DEPTH = 8;

/** Replaces every secret, sensitive field and URL credential in a value (a copy; the input is untouched). */
export function redact(value: unknown, secrets: ReadonlySet<string>, depth = 0): unknown {
  if (typeof value === 'string') {
    let text = value.replace(URL_USERINFO, `$1${REDACTED}@`);
    for (const secret of secrets) if (secret.length > 0) text = text.split(secret).join(REDACTED);
    return text;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (value instanceof Error) {
    return { name: value.name, message: redact(value.message, secrets, depth + 1), code: 'code' in value ? value.code : undefined };
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SENSITIVE_KEY.test(key) && item != null ? REDACTED : redact(item, secrets, depth + 1);
  }
  return out;
}

/** winston format: rewrites the info object's own fields in place (winston's Symbol keys are kept). */
function redactFormat(secrets: ReadonlySet<string>): winston.Logform.Format {
  return winston.format((info) => {
    for (const key of Object.keys(info)) {
      const value = info[key];
      info[key] = SENSITIVE_KEY.test(key) && value != null ? REDACTED : redact(value, secrets);
    }
    return info;
  })();
}

export function createLog(options: LogOptions): Logger {
  const redaction = redactFormat(options.secrets);
  const transports: winston.transport[] = [
    new RotatingFile({
      dir: join(options.dataDir, 'logs'),
      maxBytes: options.maxFileBytes,
      maxFiles: options.maxFiles,
      format: winston.format.combine(redaction, winston.format.timestamp(), winston.format.json()),
    }),
  ];
  if (options.console) {
    transports.push(
      new winston.transports.Console({
        format: winston.format.combine(
          redaction,
          winston.format.timestamp(),
          winston.format.printf(({ timestamp, level, message, ...meta }) => {
            const extra = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
            return `${String(timestamp)} ${level} ${String(message)}${extra}`;
          }),
        ),
        stderrLevels: ['error', 'warn', 'info', 'debug'],
      }),
    );
  }
  return winston.createLogger({ level: options.level, levels: winston.config.npm.levels, transports });
}
