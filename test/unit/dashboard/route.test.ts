import { describe, expect, it } from 'vitest';
import { DeviceQuery } from '../../../protocol/api.ts';
import { exportHref } from '../../../dashboard/src/api.ts';
import { deviceQueryParams, devicesHash, formatHash, parseHash, type Route } from '../../../dashboard/src/route.ts';

const defaults = DeviceQuery.parse({});

describe('dashboard hash routes', () => {
  it('opens the overview for an empty or unknown hash', () => {
    for (const hash of ['', '#', '#/', '#/nope', '#/device/', '#/devices/extra']) {
      expect(parseHash(hash), hash).toEqual({ view: 'overview' });
    }
  });

  it('reads a bar link back as the same filter (the overview → device list hand-off)', () => {
    const hash = devicesHash({ check: 'policy.security-key' });
    expect(hash).toBe('#/devices?check=policy.security-key');
    expect(parseHash(hash)).toEqual({ view: 'devices', query: { ...defaults, check: 'policy.security-key' } });
  });

  it('round-trips every filter, sort and page through the hash', () => {
    const route: Route = {
      view: 'devices',
      query: {
        readiness: 'not-ready',
        check: 'key.fingerprint',
        online: false,
        model: 'ATKey.Pro',
        tag: 'site=Osaka & Kyoto',
        q: '<img src=x onerror=alert(1)>',
        sort: 'lastSeen',
        order: 'desc',
        limit: 100,
        offset: 200,
      },
    };
    expect(parseHash(formatHash(route))).toEqual(route);
  });

  it('keeps the valid filters of a link with a bad value instead of dropping the whole query', () => {
    const route = parseHash('#/devices?check=no.such.check&readiness=ready&limit=100000&sort=bogus&q=pc-01');
    expect(route).toEqual({ view: 'devices', query: { ...defaults, readiness: 'ready', q: 'pc-01' } });
  });

  it('encodes device ids in detail links', () => {
    const route: Route = { view: 'device', deviceId: 'a/b?c#d' };
    expect(formatHash(route)).toBe('#/device/a%2Fb%3Fc%23d');
    expect(parseHash(formatHash(route))).toEqual(route);
    expect(parseHash('#/device/%E0%A4%A')).toEqual({ view: 'overview' });
  });

  it('leaves defaults out of links, and paging out of the CSV export', () => {
    expect(formatHash({ view: 'devices', query: defaults })).toBe('#/devices');
    const query = { ...defaults, online: true, offset: 50 };
    expect(deviceQueryParams(query).toString()).toBe('online=true&offset=50');
    expect(exportHref(query)).toBe('/api/export.csv?online=true');
    expect(exportHref(defaults)).toBe('/api/export.csv');
    // The API parses the hash's parameters with its own schema to the same query.
    expect(DeviceQuery.parse(Object.fromEntries(deviceQueryParams(query)))).toEqual(query);
  });

  it('links the settings page and instruction sheets (a user’s or a wave’s, in a chosen language)', () => {
    expect(parseHash('#/settings')).toEqual({ view: 'settings' });
    const routes: Route[] = [
      { view: 'instructions', target: { user: 'aoki@contoso.co.jp' }, lang: 'ja' },
      { view: 'instructions', target: { wave: '1b4e28ba-2fa1-11d2-883f-0016d3cca427' }, lang: null },
    ];
    for (const route of routes) expect(parseHash(formatHash(route))).toEqual(route);
    expect(formatHash(routes[0]!)).toBe('#/instructions?user=aoki%40contoso.co.jp&lang=ja');
    // Neither a user nor a wave, or a language not offered: the overview, or the dashboard's language.
    expect(parseHash('#/instructions')).toEqual({ view: 'overview' });
    expect(parseHash('#/instructions?user=x&lang=fr')).toEqual({ view: 'instructions', target: { user: 'x' }, lang: null });
  });
});

