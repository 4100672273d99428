// Which API requests the front may answer from the store alone (routes.ts, answeredFromStore): a
// route listed wrongly would be answered by a process without the collector's own state, or without
// the rate limits and password checks of signing in.
import { describe, expect, it } from 'vitest';
import { answeredFromStore } from '../../../../collector/api/routes.ts';

describe('answeredFromStore', () => {
  it('takes the dashboard\'s reads of the store', () => {
    for (const path of ['/api/session', '/api/summary', '/api/devices', '/api/devices/d-1', '/api/audit', '/api/users', '/api/users.csv', '/api/export.csv', '/api/tags', '/api/waves', '/api/accounts', '/api/groups', '/api/instructions/user']) {
      expect(answeredFromStore('GET', path), path).toBe(true);
    }
    expect(answeredFromStore('HEAD', '/api/summary')).toBe(true);
  });

  it('leaves changes, signing in and out, and the reads of the collector\'s own state to the collector', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', undefined]) expect(answeredFromStore(method, '/api/devices/d-1'), String(method)).toBe(false);
    expect(answeredFromStore('POST', '/api/login')).toBe(false);
    expect(answeredFromStore('POST', '/api/logout')).toBe(false);
    for (const path of ['/api/enroll-info', '/api/webhooks', '/api/webhooks/hook-1', '/api/live']) expect(answeredFromStore('GET', path), path).toBe(false);
  });

  it('leaves what is not the API alone', () => {
    for (const path of ['/', '/assets/app.js', '/healthz', '/metrics', '/apifoo']) expect(answeredFromStore('GET', path), path).toBe(false);
  });
});
