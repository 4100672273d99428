import { describe, expect, it } from 'vitest';
import { parseDeviceQuery } from '../../../collector/api/routes.ts';
import { HttpError } from '../../../collector/shared/http.ts';
import { resolveStatic } from '../../../collector/server/static-files.ts';
import { parseAgentMessage } from '../../../collector/server/parse-message.ts';

const q = (s: string) => parseDeviceQuery(new URLSearchParams(s));

describe('device query strings', () => {
  it('parses filters with defaults', () => {
    expect(q('readiness=not-ready&check=key.fingerprint&online=false&limit=20')).toMatchObject({
      readiness: 'not-ready',
      check: 'key.fingerprint',
      online: false,
      limit: 20,
      offset: 0,
      sort: 'hostname',
      order: 'asc',
    });
  });

  it('answers 400 with the parameter at fault', () => {
    const err = (s: string): HttpError => {
      try {
        q(s);
      } catch (error) {
        if (error instanceof HttpError) return error;
      }
      throw new Error(`no error for ${s}`);
    };
    expect(err('limit=5000').status).toBe(400);
    expect(err('limit=5000').message).toMatch(/^bad parameter limit: /);
    expect(err('check=nope').message).toMatch(/^bad parameter check: /);
    expect(err('sort=password').message).toMatch(/^bad parameter sort: /);
    expect(err('colour=red').message).toBe('unknown parameter "colour"');
    expect(err('q=a&q=b').message).toBe('parameter "q" given more than once');
  });
});

describe('static paths', () => {
  it('stays inside the dashboard directory', () => {
    expect(resolveStatic('/app/dist', '/assets/app.js')).toBe('/app/dist/assets/app.js');
    expect(resolveStatic('/app/dist', '/')).toBe('/app/dist/');
    expect(resolveStatic('/app/dist', '/../secret')).toBeNull();
    expect(resolveStatic('/app/dist', '/%2e%2e/%2e%2e/etc/passwd')).toBeNull();
    expect(resolveStatic('/app/dist', '/a/../index.html')).toBe('/app/dist/index.html');
    expect(resolveStatic('/app/dist', '/..%5c..%5cwin.ini')).toBeNull();
    expect(resolveStatic('/app/dist', '/a%00b')).toBeNull();
    expect(resolveStatic('/app/dist', '/%E0%A4%A')).toBeNull();
  });
});

describe('agent message parsing', () => {
  const parse = (text: string) => parseAgentMessage(Buffer.from(text), false);
  const hello = { type: 'hello', deviceId: 'd1', token: 't', agentVersion: '0.1.0' };

  it('accepts a valid message', () => {
    expect(parse(JSON.stringify(hello))).toEqual({ ok: true, message: hello, verbatim: true });
  });

  it('names the problem for each kind of bad frame', () => {
    expect(parse('{"type":')).toEqual({ ok: false, reason: 'malformed JSON' });
    expect(parse('[1]')).toEqual({ ok: false, reason: 'a message must be a JSON object' });
    expect(parse('{"seq":1}')).toEqual({ ok: false, reason: 'type: missing or not a string' });
    expect(parse('{"type":"shutdown"}')).toEqual({ ok: false, reason: 'unknown message type "shutdown"' });
    expect(parse('{"type":"toString"}')).toEqual({ ok: false, reason: 'unknown message type "toString"' });
    const wrongType = parse(JSON.stringify({ ...hello, deviceId: 42 }));
    expect(wrongType.ok).toBe(false);
    if (!wrongType.ok) expect(wrongType.reason).toMatch(/^deviceId: /);
    const badReport = parse(JSON.stringify({ type: 'report', seq: -1, report: {} }));
    if (!badReport.ok) expect(badReport.reason).toMatch(/^seq: /);
    expect(parseAgentMessage(Buffer.from(JSON.stringify(hello)), true).ok).toBe(false);
  });
});
