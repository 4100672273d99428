// Parses what `reg query "<key>" /reg:64` prints (reference/windows.md §6, packaging.md's Wine notes):
// a key line, then values indented 4 spaces as `name    TYPE    data`. Names may hold spaces, so a
// line is split on its REG_ type token; REG_DWORD/REG_QWORD data is 0x-hex; data may be empty.
// Pure: the live probe and the bundle replay both feed it the captured text.

export type RegData = string | number;

export interface RegValue {
  readonly name: string;
  readonly type: string;
  readonly data: RegData;
}

export type RegQueryOutcome =
  | { kind: 'found'; values: RegValue[] }
  | { kind: 'missing' }
  | { kind: 'error'; message: string };

const VALUE_LINE = /^ {4}(.*?) {4}(REG_[A-Z0-9_]+)(?: {4}(.*))?$/;
// reg.exe's "not found" message is localized; exit code 1 plus no value lines is the signal, but an
// access-denied or blocked-by-policy exit 1 must not be mistaken for "not set".
const NOT_FOUND_DENIED = /access is denied|アクセスが拒否|拒绝访问|disabled by your administrator|管理者によって無効/i;

function dataOf(type: string, text: string): RegData {
  if (type === 'REG_DWORD' || type === 'REG_QWORD') {
    const n = Number.parseInt(text.replace(/^0x/i, ''), 16);
    return Number.isSafeInteger(n) ? n : text;
  }
  return text;
}

export function parseRegValues(stdout: string): RegValue[] {
  const values: RegValue[] = [];
  for (const line of stdout.split(/\r\n|\n|\r/)) {
    const match = VALUE_LINE.exec(line);
    if (!match) continue;
    const [, name = '', type = '', data = ''] = match;
    values.push({ name, type, data: dataOf(type, data.trim()) });
  }
  return values;
}

export function interpretRegQuery(exitCode: number, stdout: string, stderr: string): RegQueryOutcome {
  if (exitCode === 0) return { kind: 'found', values: parseRegValues(stdout) };
  const message = `${stdout} ${stderr}`.replace(/\s+/g, ' ').trim();
  if (exitCode === 1 && !NOT_FOUND_DENIED.test(message)) return { kind: 'missing' };
  return { kind: 'error', message: message || `reg.exe exited with code ${exitCode}` };
}
