// How every part reports a zod validation failure: the first issue only, as one line, never echoing
// the input back (it may be hostile, huge or secret).
import type * as z from 'zod';

export interface FirstIssue {
  /** Dotted path to the offending field; '' when the value itself is wrong. */
  readonly path: string;
  readonly message: string;
}

export function firstIssue(error: z.ZodError): FirstIssue | null {
  const issue = error.issues[0];
  return issue ? { path: issue.path.map(String).join('.'), message: issue.message } : null;
}

/** `path: message`; a failure of the value itself is `root: message` when a root name is given, else just the message. */
export function describeFirstIssue(error: z.ZodError, root?: string): string {
  const issue = firstIssue(error);
  if (!issue) return 'invalid';
  const path = issue.path || root;
  return path ? `${path}: ${issue.message}` : issue.message;
}
