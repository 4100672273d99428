// The device filter of a query string (list, export, tag assignment by filter), parsed strictly.
import { DeviceQuery } from '../../protocol/api.ts';
import { describeFirstIssue } from '../../protocol/zod-issue.ts';
import { HttpError } from '../shared/http.ts';

const QUERY_KEYS = new Set(Object.keys(DeviceQuery.shape));

/** Parses the device filter from a query string: unknown or repeated parameters are errors too. */
export function parseDeviceQuery(params: URLSearchParams): DeviceQuery {
  const raw: Record<string, string> = {};
  for (const [key, value] of params) {
    if (!QUERY_KEYS.has(key)) throw new HttpError(400, `unknown parameter "${key.slice(0, 32)}"`);
    if (key in raw) throw new HttpError(400, `parameter "${key}" given more than once`);
    raw[key] = value;
  }
  const result = DeviceQuery.safeParse(raw);
  if (!result.success) throw new HttpError(400, `bad parameter ${describeFirstIssue(result.error)}`);
  return result.data;
}
