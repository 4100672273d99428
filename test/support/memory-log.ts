// A real winston logger that keeps its lines in memory, so tests can assert what the agent logged.
import { Writable } from 'node:stream';
import winston from 'winston';
import type { Logger } from 'winston';

export interface MemoryLog {
  readonly log: Logger;
  /** Each line as winston's JSON format wrote it. */
  readonly lines: Array<Record<string, unknown>>;
}

export function memoryLog(): MemoryLog {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const log = winston.createLogger({
    level: 'debug',
    format: winston.format.json(),
    transports: [new winston.transports.Stream({ stream })],
  });
  return { log, lines };
}
