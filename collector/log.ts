// One JSON line per event on stdout. Callers pass facts, never tokens, secrets or passwords.
import winston from 'winston';

export type Logger = winston.Logger;

export function createLogger(level: string = process.env.KEYREADY_LOG_LEVEL ?? 'info'): Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Console()],
  });
}
