// What every probe hands back: where its facts came from (a SourceState with a catalogue-rendered
// reason) and the raw output it captured, which is what a bundle saves and replays.
import type * as z from 'zod';
import { t, type MessageKey } from '../../protocol/i18n/index.ts';
import type { SourceState, TextParams } from '../../protocol/report.ts';
import { describeFirstIssue } from '../../protocol/zod-issue.ts';
import { errorText } from '../../protocol/error-text.ts';

/** Why a source has no facts, as a catalogue key so it can be shown in English or Japanese. */
export interface Reason {
  readonly key: MessageKey;
  readonly params: TextParams;
}

export const SOURCE_OK: SourceState = { state: 'ok', reason: null };

export function sourceState(state: Exclude<SourceState['state'], 'ok'>, reason: Reason): SourceState {
  return { state, reason: t('en', reason.key, reason.params), reasonKey: reason.key, reasonParams: reason.params };
}

export interface Capture<Raw> {
  readonly state: SourceState;
  /** The raw output exactly as captured; null when nothing was captured. */
  readonly raw: Raw | null;
}

export type Decoded<Raw> = { ok: true; raw: Raw } | { ok: false; reason: Reason };

/** How one source's raw output is saved to and read from its bundle file. */
export interface Probe<Raw> {
  readonly file: string;
  serialize(raw: Raw): string;
  deserialize(bytes: Buffer): Decoded<Raw>;
}

export function failed(error: unknown): Reason {
  return { key: 'reason.failed', params: { message: errorText(error) } };
}

/** Reads a bundle's JSON file through its schema; shared by the JSON-backed probes. */
export function parseJsonFile<T>(bytes: Buffer, schema: z.ZodType<T>, file: string): Decoded<T> {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false, reason: { key: 'reason.bundle.corrupt', params: { file, problem: 'not JSON' } } };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, reason: { key: 'reason.bundle.corrupt', params: { file, problem: describeFirstIssue(parsed.error, '(root)') } } };
  }
  return { ok: true, raw: parsed.data };
}

/** A probe whose raw output is JSON checked by a schema (registry, os, hid). */
export function jsonProbe<Raw>(file: string, schema: z.ZodType<Raw>): Probe<Raw> {
  return {
    file,
    serialize: (raw) => `${JSON.stringify(raw, null, 2)}\n`,
    deserialize: (bytes) => parseJsonFile(bytes, schema, file),
  };
}
