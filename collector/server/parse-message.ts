// Turns one WebSocket frame from an agent into a validated message, or a specific reason why not.
import type { z } from 'zod';
import { EnrollMessage, HelloMessage, ReportMessage, type AgentMessage } from '../../protocol/messages.ts';
import { describeFirstIssue } from '../../protocol/zod-issue.ts';

export type Parsed = { ok: true; message: AgentMessage } | { ok: false; reason: string };

const SCHEMAS: Record<AgentMessage['type'], z.ZodType<AgentMessage>> = {
  enroll: EnrollMessage,
  hello: HelloMessage,
  report: ReportMessage,
};

export function parseAgentMessage(data: Buffer | string, isBinary: boolean): Parsed {
  if (isBinary) return { ok: false, reason: 'binary frames are not part of keyready.v1; send JSON text' };
  let value: unknown;
  try {
    value = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'a message must be a JSON object' };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') return { ok: false, reason: 'type: missing or not a string' };
  if (!Object.hasOwn(SCHEMAS, type)) return { ok: false, reason: `unknown message type "${type.slice(0, 32)}"` };
  const result = SCHEMAS[type as AgentMessage['type']].safeParse(value);
  return result.success ? { ok: true, message: result.data } : { ok: false, reason: describeFirstIssue(result.error) };
}
