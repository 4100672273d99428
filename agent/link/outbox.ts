// The agent's on-disk queue of reports waiting for the collector's acknowledgement. A report is
// written here before it is sent and removed only when acknowledged, so neither kill -9, a power cut
// nor a long outage loses a state change; an outage longer than the bounds drops the oldest reports
// and counts them (the count rides on every report message).
//
// Layout of the directory: one file per entry, named by its zero-padded sequence number (so the
// sequence lives in the name and a directory listing is the queue order); `state.json` with the next
// sequence number and the drop counter; `quarantine/` for entries that could not be read back.
import { readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { MAX_MESSAGE_BYTES } from '../../protocol/messages.ts';
import { Report } from '../../protocol/report.ts';
import { fsyncDir, TEMP_PREFIX, writeFileAtomic } from '../atomic-file.ts';
import { OWNER_ONLY_FILE, ownerOnlyDir } from '../owner-only.ts';
import type { Log } from '../log.ts';
import { errorText } from '../../protocol/error-text.ts';

export interface OutboxLimits {
  /** Most reports kept; at one report an hour plus changes this covers weeks offline. */
  readonly maxEntries: number;
  /** Most bytes kept (a report is ~10-20 KiB). */
  readonly maxBytes: number;
}
export const OUTBOX_DEFAULTS: OutboxLimits = { maxEntries: 1_000, maxBytes: 16 * 1024 * 1024 };

/** Room left in a wire message for the envelope around the report (type, seq, dropped, requestId). */
const ENVELOPE_BYTES = 256;
const QUARANTINE_KEEP = 20;
const STATE_FILE = 'state.json';
const QUARANTINE_DIR = 'quarantine';
const ENTRY_NAME = /^(\d{16})\.json$/;

const EntryFile = z.object({
  createdAt: z.string(),
  requestId: z.string().max(64).optional(),
  report: Report,
});
export interface OutboxEntry extends z.infer<typeof EntryFile> {
  seq: number;
}

const StateFile = z.object({
  nextSeq: z.number().int().nonnegative(),
  /** Reports dropped since the agent was installed; never reset. */
  dropped: z.number().int().nonnegative(),
});
type State = z.infer<typeof StateFile>;

interface Slot {
  readonly seq: number;
  readonly bytes: number;
}

const entryName = (seq: number): string => `${seq.toString().padStart(16, '0')}.json`;

export class Outbox {
  private constructor(
    private readonly dir: string,
    private readonly limits: OutboxLimits,
    private readonly log: Log,
    private readonly slots: Slot[],
    private state: State,
  ) {}

  /** Opens (creating if needed) the queue in `dir`; unreadable files are quarantined, never fatal. */
  static open(dir: string, limits: OutboxLimits, log: Log): Outbox {
    ownerOnlyDir(dir);
    const slots: Slot[] = [];
    let state: State | null = null;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name === QUARANTINE_DIR) continue;
      if (name.startsWith(TEMP_PREFIX)) {
        // A write interrupted by a crash: its entry was never acknowledged as queued.
        rmSync(path, { force: true });
        continue;
      }
      if (name === STATE_FILE) {
        state = readState(path);
        if (!state) quarantine(dir, name, log, 'unreadable outbox state');
        continue;
      }
      const match = ENTRY_NAME.exec(name);
      if (!match?.[1]) {
        quarantine(dir, name, log, 'not an outbox entry');
        continue;
      }
      slots.push({ seq: Number(match[1]), bytes: statSync(path).size });
    }
    slots.sort((a, b) => a.seq - b.seq);
    // The sequence must never repeat: trust whichever is further, the counter or the newest entry.
    const afterEntries = (slots.at(-1)?.seq ?? -1) + 1;
    const recovered = state ?? { nextSeq: 0, dropped: 0 };
    const outbox = new Outbox(dir, limits, log, slots, { ...recovered, nextSeq: Math.max(recovered.nextSeq, afterEntries) });
    outbox.enforceLimits();
    outbox.saveState();
    return outbox;
  }

  /**
   * Queues a report durably and returns its sequence number (null when it can never be sent). Throws
   * when it cannot be written (a full or failing disk), having changed nothing.
   */
  append(report: Report, requestId?: string): number | null {
    const body = JSON.stringify({ createdAt: new Date().toISOString(), requestId, report });
    const bytes = Buffer.byteLength(body);
    if (bytes > MAX_MESSAGE_BYTES - ENVELOPE_BYTES) {
      // The collector would refuse it on every attempt and block the queue behind it forever.
      this.log.error('report too large to send, dropped', { bytes, limit: MAX_MESSAGE_BYTES });
      this.state = { ...this.state, dropped: this.state.dropped + 1 };
      this.saveState();
      return null;
    }
    const seq = this.state.nextSeq;
    // Written before the counter moves: a full disk throws here and leaves the queue as it was (the
    // temp file is removed); the caller keeps the state and tries again later.
    writeFileAtomic(join(this.dir, entryName(seq)), body, OWNER_ONLY_FILE);
    this.state = { ...this.state, nextSeq: seq + 1 };
    this.slots.push({ seq, bytes });
    this.enforceLimits();
    this.saveState();
    return seq;
  }

  /** Sequence numbers waiting for an acknowledgement, oldest first. */
  pending(): readonly number[] {
    return this.slots.map((slot) => slot.seq);
  }

  /** Reads an entry back; a corrupt one is quarantined and skipped (null), as is one already gone. */
  read(seq: number): OutboxEntry | null {
    const name = entryName(seq);
    const entry = readEntry(join(this.dir, name));
    if (entry === 'corrupt') quarantine(this.dir, name, this.log, 'corrupt outbox entry');
    if (entry === 'corrupt' || entry === 'missing') {
      this.forget(seq);
      return null;
    }
    return { seq, ...entry };
  }

  /** The collector stored `seq` durably: remove it. */
  ack(seq: number): void {
    if (!this.forget(seq)) return;
    // No directory fsync: if a power cut resurrects the file, the collector stores a sequence once.
    rmSync(join(this.dir, entryName(seq)), { force: true });
  }

  /**
   * Reconciles with the collector's highest stored sequence after hello. Entries at or below it were
   * stored already (their acknowledgements were lost) and are removed. A collector that is ahead of
   * the counter means this data directory was reset while the device kept its identity (a
   * reinstall): the pending entries were never stored, so they are renumbered after `lastSeq`.
   */
  reconcile(lastSeq: number): void {
    if (lastSeq >= this.state.nextSeq) {
      const start = lastSeq + 1;
      this.state = { ...this.state, nextSeq: start + this.slots.length };
      this.saveState();
      // Newest first, so an interruption never puts an older report after a newer one.
      for (let i = this.slots.length - 1; i >= 0; i--) {
        const slot = this.slots[i]!;
        renameSync(join(this.dir, entryName(slot.seq)), join(this.dir, entryName(start + i)));
        this.slots[i] = { seq: start + i, bytes: slot.bytes };
      }
      fsyncDir(this.dir);
      this.log.warn('collector is ahead of the local sequence (data directory reset?); pending reports renumbered', {
        lastSeq,
        pending: this.slots.length,
      });
      return;
    }
    for (const seq of this.pending()) if (seq <= lastSeq) this.ack(seq);
  }

  /** Reports dropped since installation (never reset); carried on every report message. */
  get dropped(): number {
    return this.state.dropped;
  }

  get bytes(): number {
    return this.slots.reduce((sum, slot) => sum + slot.bytes, 0);
  }

  private enforceLimits(): void {
    let bytes = this.bytes;
    let dropped = 0;
    while (this.slots.length > 1 && (this.slots.length > this.limits.maxEntries || bytes > this.limits.maxBytes)) {
      const oldest = this.slots.shift()!;
      rmSync(join(this.dir, entryName(oldest.seq)), { force: true });
      bytes -= oldest.bytes;
      dropped += 1;
    }
    if (dropped === 0) return;
    this.state = { ...this.state, dropped: this.state.dropped + dropped };
    this.log.warn('outbox full, oldest reports dropped', { dropped, total: this.state.dropped });
  }

  /**
   * Best effort: on a full disk the entries are what matters. A stale counter is safe — at the next
   * start it is raised past the newest entry, and the collector's welcome renumbers anything below
   * what it stored (reconcile) — only the drop count may lag.
   */
  private saveState(): void {
    try {
      writeFileAtomic(join(this.dir, STATE_FILE), JSON.stringify(this.state), OWNER_ONLY_FILE);
    } catch (error) {
      this.log.warn('outbox state not saved', { error: errorText(error) });
    }
  }

  private forget(seq: number): boolean {
    const index = this.slots.findIndex((slot) => slot.seq === seq);
    if (index < 0) return false;
    this.slots.splice(index, 1);
    return true;
  }
}

function readEntry(path: string): z.infer<typeof EntryFile> | 'missing' | 'corrupt' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const parsed = EntryFile.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : 'corrupt';
  } catch {
    return 'corrupt';
  }
}

function readState(path: string): State | null {
  try {
    const parsed = StateFile.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Moves an unreadable file aside (keeping the newest few for diagnosis) so it never blocks the queue. */
function quarantine(dir: string, name: string, log: Log, reason: string): void {
  const target = join(dir, QUARANTINE_DIR);
  ownerOnlyDir(target);
  renameSync(join(dir, name), join(target, `${Date.now()}-${name}`));
  const kept = readdirSync(target).sort();
  for (const old of kept.slice(0, Math.max(0, kept.length - QUARANTINE_KEEP))) rmSync(join(target, old), { force: true });
  log.warn(`${reason}, quarantined`, { file: name });
}
