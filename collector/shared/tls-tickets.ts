// TLS session tickets that outlive a restart. After a collector restart every agent reconnects at
// once; an agent offering the ticket of its last session resumes it instead of paying a full
// handshake (the server's certificate signature: ~1 ms of CPU each with RSA-2048), which decides
// whether 15,000 agents are back within a minute. Node draws fresh ticket keys per process, so a
// restarted collector would refuse every ticket: the keys derive instead from a master secret kept
// owner-only in the data folder (collectors given the same file resume each other's sessions), one
// key per week. The master never goes into the database, which more people can read than the
// collector's own folder. Sessions resumed under psk_dhe_ke (Node's default for TLS 1.3) still run
// a fresh key exchange: a leaked ticket key does not open recorded traffic.
import { createHmac, randomBytes } from 'node:crypto';
import type { Server } from 'node:https';
import { readPrivateFile, writePrivateFile } from './private-files.ts';

/** Ticket keys change this often; a ticket lives as long at most (TLS 1.3's ceiling is 7 days). */
export const TICKET_PERIOD_MS = 7 * 24 * 3600 * 1000;

/** The 48 bytes Node takes as ticket keys, for the period `now` falls in. */
export function ticketKeys(master: Buffer, now: number): Buffer {
  const period = Math.floor(now / TICKET_PERIOD_MS);
  const part = (n: number) => createHmac('sha256', master).update(`keyready tls ticket keys ${period} ${n}`).digest();
  return Buffer.concat([part(1), part(2)]).subarray(0, 48);
}

/** The master secret in `path`, created on first use (a concurrent creator's file wins). */
export function ticketMaster(path: string): Buffer {
  const existing = readPrivateFile(path);
  if (existing) return Buffer.from(existing, 'base64');
  try {
    writePrivateFile(path, `${randomBytes(32).toString('base64')}\n`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return Buffer.from(readPrivateFile(path)!, 'base64');
}

/** Moves the server to each period's keys as it starts; returns the stop function. */
export function rotateTicketKeys(server: Server, master: Buffer, now: () => number = Date.now): () => void {
  let timer: NodeJS.Timeout;
  const schedule = (): void => {
    const wait = TICKET_PERIOD_MS - (now() % TICKET_PERIOD_MS);
    // setTimeout takes at most 2^31-1 ms (~24.8 days); a week fits.
    timer = setTimeout(() => {
      server.setTicketKeys(ticketKeys(master, now()));
      schedule();
    }, wait + 1_000);
    timer.unref();
  };
  schedule();
  return () => clearTimeout(timer);
}
