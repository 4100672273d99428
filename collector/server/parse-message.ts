// Turns one WebSocket frame from an agent into a validated message, or a specific reason why not.
// Valid messages go through validators compiled from the zod schemas (protocol/compiled-validator.ts:
// the same answer, an order of magnitude cheaper on a 7 KB report); a rejected one is parsed again by
// zod itself, whose first issue is the reason the agent and the log get.
import type * as z from 'zod';
import { EnrollMessage, HelloMessage, ReportMessage, type AgentMessage } from '../../protocol/messages.ts';
import { compileValidator, type CompiledValidator } from '../../protocol/compiled-validator.ts';
import { describeFirstIssue } from '../../protocol/zod-issue.ts';

/**
 * `verbatim`: the message is the frame's JSON as it stands (the compiled validator accepted it), so
 * the frame stands for it.
 */
export type Parsed = { ok: true; message: AgentMessage; verbatim: boolean } | { ok: false; reason: string };

const SCHEMAS: Record<AgentMessage['type'], z.ZodType<AgentMessage>> = {
  enroll: EnrollMessage,
  hello: HelloMessage,
  report: ReportMessage,
};

const VALIDATORS: Record<AgentMessage['type'], CompiledValidator<AgentMessage>> = {
  enroll: compileValidator(EnrollMessage),
  hello: compileValidator(HelloMessage),
  report: compileValidator(ReportMessage),
};

export function parseAgentMessage(data: Buffer | string, isBinary: boolean): Parsed {
  if (isBinary) return { ok: false, reason: 'binary frames are not part of keyready.v1; send JSON text' };
  const text = typeof data === 'string' ? data : data.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'malformed JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'a message must be a JSON object' };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') return { ok: false, reason: 'type: missing or not a string' };
  if (!Object.hasOwn(SCHEMAS, type)) return { ok: false, reason: `unknown message type "${type.slice(0, 32)}"` };
  if (VALIDATORS[type as AgentMessage['type']](value)) return { ok: true, message: value, verbatim: true };
  const result = SCHEMAS[type as AgentMessage['type']].safeParse(value);
  return result.success ? { ok: true, message: result.data, verbatim: false } : { ok: false, reason: describeFirstIssue(result.error) };
}
