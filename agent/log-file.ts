// The agent's log file transport: agent.log, rotated by size to agent.1.log … agent.(N-1).log, so the
// logs never exceed N files of maxBytes. Synchronous appends: the agent logs a few lines per event,
// and winston's own File transport was measured losing lines written during a rotation.
import { closeSync, existsSync, ftruncateSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import winston from 'winston';
import { OWNER_ONLY_FILE, ownerOnlyDir } from './owner-only.ts';
import type TransportStream from 'winston-transport';

const MESSAGE = Symbol.for('message');
// winston re-exports the base class of its transports at runtime; its typings expose it only as a namespace.
const Transport = (winston as unknown as { Transport: typeof TransportStream }).Transport;

export interface RotatingFileOptions extends TransportStream.TransportStreamOptions {
  readonly dir: string;
  readonly maxBytes: number;
  /** Files kept, the current one included. */
  readonly maxFiles: number;
}

export class RotatingFile extends Transport {
  private fd: number | null = null;
  private size = 0;

  constructor(private readonly options: RotatingFileOptions) {
    super(options);
    ownerOnlyDir(options.dir);
  }

  private path(index: number): string {
    return join(this.options.dir, index === 0 ? 'agent.log' : `agent.${index}.log`);
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    const line = `${String(info[MESSAGE])}\n`;
    try {
      this.append(Buffer.from(line, 'utf8'));
    } catch {
      // A full or read-only disk must not stop the agent; there is nowhere left to say so.
    }
    next();
  }

  override close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private append(bytes: Buffer): void {
    if (this.fd === null) {
      this.fd = openSync(this.path(0), 'a', OWNER_ONLY_FILE);
      this.size = statSync(this.path(0)).size;
    }
    if (this.size > 0 && this.size + bytes.length > this.options.maxBytes) {
      this.rotate();
      this.fd = openSync(this.path(0), 'a', OWNER_ONLY_FILE);
      this.size = 0;
    }
    try {
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      // A full disk may take half a line: cut it off, so the next line does not run into it.
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        // the line stays torn; the reader skips what does not parse
      }
      throw error;
    }
    this.size += bytes.length;
  }

  private rotate(): void {
    this.close();
    rmSync(this.path(this.options.maxFiles - 1), { force: true });
    for (let i = this.options.maxFiles - 2; i >= 0; i--) {
      if (existsSync(this.path(i))) renameSync(this.path(i), this.path(i + 1));
    }
  }
}
