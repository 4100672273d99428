// A query string parsed by one of protocol/api.ts's schemas: unknown or repeated parameters are errors too.
import type * as z from 'zod';
import { describeFirstIssue } from '../../protocol/zod-issue.ts';
import { HttpError } from '../shared/http.ts';

export function parseQuery<S extends z.ZodObject>(schema: S, params: URLSearchParams): z.infer<S> {
  const keys = new Set(Object.keys(schema.shape));
  const raw: Record<string, string> = {};
  for (const [key, value] of params) {
    if (!keys.has(key)) throw new HttpError(400, `unknown parameter "${key.slice(0, 32)}"`);
    if (key in raw) throw new HttpError(400, `parameter "${key}" given more than once`);
    raw[key] = value;
  }
  const result = schema.safeParse(raw);
  if (!result.success) throw new HttpError(400, `bad parameter ${describeFirstIssue(result.error)}`);
  return result.data;
}
