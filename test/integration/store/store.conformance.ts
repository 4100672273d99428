// The one behaviour every store engine must have. sqlite.test.ts and postgres.test.ts run it on a real
// SQLite file and a real PostgreSQL server; anything the server, API or dashboard relies on is here.
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceDetail, DeviceList, DeviceQuery, Summary, UserQuery } from '../../../protocol/api.ts';
import type { CheckId, CheckStatus } from '../../../protocol/checks.ts';
import type { BusEvent, IncomingReport, NewDevice, Store, StoreOptions } from '../../../collector/store/types.ts';
import { ATKEY_PRO, makeReport, type ReportOptions } from '../../../sim/fleet/reports.ts';
import { until } from '../../support/eventually.ts';
import { reportIdentity } from '../../../collector/server/report-identity.ts';

/** A fresh, empty database; `open` may be called again for a second store (another collector) on it. */
export interface TestDatabase {
  open(options?: StoreOptions): Promise<Store>;
  drop(): Promise<void>;
}

const T0 = new Date('2026-11-20T09:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

let uuidCounter = 0;
function newDevice(hostname: string, overrides: Partial<NewDevice> = {}): NewDevice {
  uuidCounter += 1;
  return {
    hostname,
    hardware: { uuid: `4c4c4544-0000-1000-8000-${uuidCounter.toString(16).padStart(12, '0')}`, serial: `SN${uuidCounter}`, manufacturer: 'LENOVO', model: '21HD003QJP' },
    tags: {},
    agentVersion: '0.1.0',
    tokenHash: `hash-${hostname}`,
    ...overrides,
  };
}

function incoming(deviceId: string, seq: number, options: ReportOptions & { at?: Date; dropped?: number } = {}): IncomingReport {
  const at = options.at ?? minutes(seq);
  return { deviceId, seq, receivedAt: at, dropped: options.dropped ?? 0, report: makeReport({ generatedAt: at, ...options }) };
}

const query = (q: Partial<Record<keyof DeviceQuery, string>> = {}) => DeviceQuery.parse(q);

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export function describeStoreConformance(engine: string, createDatabase: () => Promise<TestDatabase>): void {
  describe(`store conformance: ${engine}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    /** A migrated store on a fresh database, plus a way to open a second collector's store on it. */
    async function setup(): Promise<{ store: Store; peer: (options?: StoreOptions) => Promise<Store> }> {
      const db = await createDatabase();
      cleanups.push(() => db.drop());
      const peer = async (options?: StoreOptions) => {
        const store = await db.open(options);
        cleanups.push(() => store.close());
        await store.migrate();
        return store;
      };
      return { store: await peer(), peer };
    }

    async function enroll(store: Store, hostname: string, overrides: Partial<NewDevice> = {}): Promise<string> {
      return (await store.enrollDevice(newDevice(hostname, overrides), T0)).deviceId;
    }

    it('keeps tenant snapshot facts with their fetch time, each name replaced by its newest read', async () => {
      const { store, peer } = await setup();
      const tenant = 'f2a1c0de-0000-4000-8000-000000000001';
      expect(await store.tenantFacts(tenant)).toEqual([]);
      await store.putTenantFacts(tenant, [
        { name: 'policy', fetchedAt: T0.getTime(), body: '{"v":1}' },
        { name: 'fido2Methods:u1', fetchedAt: T0.getTime(), body: '[]' },
      ]);
      await store.putTenantFacts(tenant, [{ name: 'policy', fetchedAt: minutes(15).getTime(), body: '{"v":2}' }]);
      await store.putTenantFacts('another-tenant', [{ name: 'policy', fetchedAt: T0.getTime(), body: '{}' }]);
      // Another collector on the same database reads the same snapshot.
      expect(await (await peer()).tenantFacts(tenant)).toEqual([
        { name: 'fido2Methods:u1', fetchedAt: T0.getTime(), body: '[]' },
        { name: 'policy', fetchedAt: minutes(15).getTime(), body: '{"v":2}' },
      ]);
    });

    it('gives the tenant poller lease to one collector at a time, and to another only once it expired', async () => {
      const { store, peer } = await setup();
      const other = await peer();
      const tenant = 'f2a1c0de-0000-4000-8000-000000000001';
      const racing = await Promise.all([store.claimTenantLease(tenant, 'a', T0, minutes(2)), other.claimTenantLease(tenant, 'b', T0, minutes(2))]);
      expect(racing.filter(Boolean)).toHaveLength(1);
      const [winner, loser, holder, rival] = racing[0] ? ['a', 'b', store, other] as const : ['b', 'a', other, store] as const;
      expect(await holder.claimTenantLease(tenant, winner, minutes(1), minutes(3))).toBe(true);
      expect(await rival.claimTenantLease(tenant, loser, minutes(2), minutes(4))).toBe(false);
      expect(await rival.claimTenantLease(tenant, loser, minutes(3), minutes(5))).toBe(true);
      expect(await holder.claimTenantLease(tenant, winner, minutes(4), minutes(6))).toBe(false);
    });

    it('migrates once even when two collectors start together, and answers ping', async () => {
      const { store, peer } = await setup();
      const [a, b] = await Promise.all([peer(), peer()]);
      await Promise.all([store.migrate(), a.migrate(), b.migrate()]);
      expect(await a.ping()).toBe(true);
      expect(await store.lastSeq('nope')).toBe(-1);
    });

    it("answers hellos' auth reads asked all at once, each with its own device's row, as a storm asks them", async () => {
      const { store } = await setup();
      const ids: string[] = [];
      for (let i = 0; i < 30; i += 1) ids.push(await enroll(store, `PC-STORM-${i}`));
      await store.storeReports([incoming(ids[3]!, 7)]);
      await store.revokeDevice(ids[5]!, T0, null);
      const asked = [...ids, 'unknown-device', ids[3]!];
      const answers = await Promise.all(asked.map((id) => store.getDeviceAuth(id)));
      expect(answers.map((a) => a?.deviceId ?? null)).toEqual([...ids, null, ids[3]]);
      expect(answers.map((a) => a?.tokenHash ?? null)).toEqual([...ids.map((_, i) => `hash-PC-STORM-${i}`), null, 'hash-PC-STORM-3']);
      expect(answers.filter((a) => a?.revoked).map((a) => a!.deviceId)).toEqual([ids[5]]);
      expect(answers.map((a) => a?.lastSeq ?? null)).toEqual([...ids.map((_, i) => (i === 3 ? 7 : -1)), null, 7]);
    });

    it('enrolls, and re-enrolls a reinstalled PC by hardware uuid with a new token', async () => {
      const { store } = await setup();
      const device = newDevice('PC-A');
      const first = await store.enrollDevice(device, T0);
      expect(first.reenrolled).toBe(false);
      expect(await store.getDeviceAuth(first.deviceId)).toEqual({ deviceId: first.deviceId, tokenHash: 'hash-PC-A', revoked: false, lastSeq: -1 });

      // Same board, reinstalled Windows, new name: same device, new token, admitted again.
      const again = await store.enrollDevice({ ...device, hostname: 'PC-A2', tokenHash: 'hash-new', hardware: { ...device.hardware, uuid: device.hardware.uuid!.toUpperCase() } }, minutes(5));
      expect(again).toEqual({ deviceId: first.deviceId, reenrolled: true, refused: null });
      expect(await store.getDeviceAuth(first.deviceId)).toEqual({ deviceId: first.deviceId, tokenHash: 'hash-new', revoked: false, lastSeq: -1 });
      expect((await store.listDevices(query())).items.map((d) => d.hostname)).toEqual(['PC-A2']);

      // A placeholder uuid shared by many boards never merges two PCs.
      const placeholder = { uuid: '03000200-0400-0500-0006-000700080009', serial: null, manufacturer: null, model: null };
      const p1 = await store.enrollDevice(newDevice('PC-P1', { hardware: placeholder }), T0);
      const p2 = await store.enrollDevice(newDevice('PC-P2', { hardware: placeholder }), T0);
      expect(p2.reenrolled).toBe(false);
      expect(p2.deviceId).not.toBe(p1.deviceId);
      expect(await store.getDeviceAuth('unknown-device')).toBeNull();
      expect((await store.summary(T0)).total).toBe(3);
    });

    it('re-enrolls a known uuid only once its device has been offline long enough, recording each attempt', async () => {
      const { store } = await setup();
      const device = newDevice('PC-R');
      const policy = (address: string) => ({ afterOfflineMs: 60_000, address });
      const { deviceId } = await store.enrollDevice(device, T0);
      await store.storeReports([incoming(deviceId, 7, { at: T0 })]);
      await store.markPresence([{ type: 'connected', deviceId, instanceId: 'i-1', agentVersion: '0.1.0', tags: undefined, at: T0 }]);
      const copy = { ...device, hostname: 'PC-COPY', tokenHash: 'hash-copy' };
      // Online: refused, whatever the time, and nothing moves.
      expect(await store.enrollDevice({ ...copy, reenroll: policy('10.0.0.66') }, minutes(0.5))).toEqual({
        deviceId, reenrolled: false, refused: { online: true, lastSeen: T0, revoked: false },
      });
      expect((await store.getDeviceAuth(deviceId))?.tokenHash).toBe('hash-PC-R');
      await store.markPresence([{ type: 'disconnected', deviceId, instanceId: 'i-1', at: minutes(1) }]);
      // Offline, but seen within the window: still refused.
      expect((await store.enrollDevice({ ...copy, reenroll: policy('10.0.0.66') }, minutes(1.5))).refused).toMatchObject({ online: false });
      // Offline for the window: the identity moves, with a new token and a new sequence.
      expect(await store.enrollDevice({ ...copy, reenroll: policy('10.0.0.7') }, minutes(3))).toEqual({ deviceId, reenrolled: true, refused: null });
      expect((await store.getDeviceAuth(deviceId))?.tokenHash).toBe('hash-copy');
      expect(await store.lastSeq(deviceId)).toBe(-1);
      expect((await store.getDeviceAuth(deviceId))?.lastSeq).toBe(-1);
      const events = (await store.deviceDetail(deviceId))?.enrollments;
      expect(events?.map((e) => [e.kind, e.hostname, e.address])).toEqual([
        ['reenrolled', 'PC-COPY', '10.0.0.7'],
        ['reenroll-refused', 'PC-COPY', '10.0.0.66'],
        ['reenroll-refused', 'PC-COPY', '10.0.0.66'],
      ]);
    });

    it('lets a PC whose enrolment answer was lost ask again at once, but not once its identity was used', async () => {
      const { store } = await setup();
      const device = newDevice('PC-LOST');
      const policy = { afterOfflineMs: 3_600_000, address: '10.0.0.8' };
      const { deviceId } = await store.enrollDevice(device, T0);
      // Never connected: the same hardware asking again a second later gets the identity, with a new token.
      expect(await store.enrollDevice({ ...device, tokenHash: 'hash-retry', reenroll: policy }, minutes(1 / 60))).toEqual({ deviceId, reenrolled: true, refused: null });
      // Once it said hello, the identity is in use: a copy is refused for the whole offline window.
      await store.markPresence([{ type: 'connected', deviceId, instanceId: 'i-1', agentVersion: '0.1.0', tags: undefined, at: minutes(1) }]);
      await store.markPresence([{ type: 'disconnected', deviceId, instanceId: 'i-1', at: minutes(2) }]);
      expect((await store.enrollDevice({ ...device, tokenHash: 'hash-copy', reenroll: policy }, minutes(3))).refused).toMatchObject({ online: false });
      expect((await store.getDeviceAuth(deviceId))?.tokenHash).toBe('hash-retry');
    });

    it('revokes a device for good: its uuid stays refused, whatever the time, until an administrator allows it once', async () => {
      const { store, peer } = await setup();
      const device = newDevice('PC-REV');
      const policy = { afterOfflineMs: 60_000, address: '10.0.0.9' };
      const { deviceId } = await store.enrollDevice(device, T0);
      const other = await enroll(store, 'PC-OTHER');
      expect(await store.revokedDevices()).toEqual([]);
      expect((await store.deviceDetail(deviceId))?.revocation).toBeNull();
      expect(await store.allowReenroll(deviceId, minutes(1), null)).toBe(false); // not revoked: nothing to allow
      expect(await store.revokeDevice('no-such-device', minutes(1), null)).toBe(false);
      expect(await store.revokeDevice(deviceId, minutes(1), '10.1.1.1')).toBe(true);
      expect(await store.getDeviceAuth(deviceId)).toEqual({ deviceId, tokenHash: 'hash-PC-REV', revoked: true, lastSeq: -1 });
      // Every collector's sweep sees it.
      expect(await (await peer()).revokedDevices()).toEqual([deviceId]);
      // Offline far longer than the window: still refused, and nothing moves.
      const reinstalled = { ...device, tokenHash: 'hash-again', reenroll: policy };
      expect(await store.enrollDevice(reinstalled, minutes(60 * 24 * 30))).toEqual({
        deviceId, reenrolled: false, refused: { online: false, lastSeen: T0, revoked: true },
      });
      expect((await store.getDeviceAuth(deviceId))?.tokenHash).toBe('hash-PC-REV');
      expect(await store.allowReenroll(deviceId, minutes(60 * 24 * 31), null)).toBe(true);
      expect((await store.deviceDetail(deviceId))?.revocation).toBe('reenroll-allowed');
      expect((await store.getDeviceAuth(deviceId))?.revoked).toBe(true); // the old token stays refused
      // Allowed: at once (no offline wait), with a new token; the flag clears.
      expect(await store.enrollDevice(reinstalled, minutes(60 * 24 * 31 + 1))).toEqual({ deviceId, reenrolled: true, refused: null });
      expect(await store.getDeviceAuth(deviceId)).toEqual({ deviceId, tokenHash: 'hash-again', revoked: false, lastSeq: -1 });
      expect(await store.revokedDevices()).toEqual([]);
      const detail = await store.deviceDetail(deviceId);
      expect(detail?.revocation).toBeNull();
      expect(detail?.enrollments?.map((e) => [e.kind, e.hostname, e.address])).toEqual([
        ['reenrolled', 'PC-REV', '10.0.0.9'],
        ['reenroll-allowed', 'PC-REV', null],
        ['refused-revoked', 'PC-REV', '10.0.0.9'],
        ['revoked', 'PC-REV', '10.1.1.1'],
      ]);
      expect((await store.deviceDetail(other))?.enrollments).toEqual([]);
    });

    it('agrees when two collectors enroll the same PC and store batches at the same time', async () => {
      const { store, peer } = await setup();
      const other = await peer();
      const device = newDevice('PC-RACE');
      const [x, y] = await Promise.all([store.enrollDevice(device, T0), other.enrollDevice({ ...device, tokenHash: 'other' }, T0)]);
      expect(x.deviceId).toBe(y.deviceId);
      expect([x.reenrolled, y.reenrolled].sort()).toEqual([false, true]);

      const ids = [x.deviceId];
      for (let i = 0; i < 5; i++) ids.push(await enroll(store, `PC-${i}`));
      const batch = (seq: number, status: CheckStatus) => ids.map((id) => incoming(id, seq, { statuses: { 'os.build': status } }));
      const results = await Promise.all([store.storeReports(batch(1, 'fail')), other.storeReports(batch(1, 'fail')), other.storeReports(batch(2, 'pass'))]);
      // Each (device, seq) is stored exactly once, whoever got there first.
      expect(results[0]!.filter((o) => o.inserted).length + results[1]!.filter((o) => o.inserted).length).toBeLessThanOrEqual(ids.length);
      for (const id of ids) expect(await store.lastSeq(id)).toBe(2);
      // The hello reads its welcome's lastSeq with the auth: the same figure.
      for (const id of ids) expect((await store.getDeviceAuth(id))?.lastSeq).toBe(2);
      const summary = await store.summary(minutes(3));
      expect(summary.readiness).toEqual({ ready: 6, notReady: 0, unknown: 0 });
      expect(summary.trend.at(-1)).toMatchObject({ ready: 6, notReady: 0, unknown: 0 });
    });

    it('stores a batch once: replays and older sequences are acknowledged but change nothing', async () => {
      const { store } = await setup();
      const a = await enroll(store, 'PC-A');
      const b = await enroll(store, 'PC-B');
      const outcomes = await store.storeReports([incoming(a, 1, { hostname: 'PC-A' }), incoming(b, 1), incoming(a, 2, { hostname: 'PC-A-RENAMED' })]);
      expect(outcomes).toEqual([
        { deviceId: a, seq: 1, inserted: true },
        { deviceId: b, seq: 1, inserted: true },
        { deviceId: a, seq: 2, inserted: true },
      ]);
      expect(await store.lastSeq(a)).toBe(2);

      const replay = await store.storeReports([incoming(a, 2, { hostname: 'REPLAY' }), incoming(a, 1, { hostname: 'OLD' }), incoming('ghost', 9)]);
      expect(replay.map((o) => o.inserted)).toEqual([false, false, false]);
      const detail = await store.deviceDetail(a);
      expect(detail?.device.hostname).toBe('PC-A-RENAMED');
      // The text search follows the rename.
      expect((await store.listDevices(query({ q: 'a-renamed' }))).items.map((d) => d.deviceId)).toEqual([a]);
      expect(detail?.report?.device.hostname).toBe('PC-A-RENAMED');
      expect(await store.lastSeq(a)).toBe(2);

      // Within one batch, arrival order does not matter: the highest sequence wins.
      const out = await store.storeReports([incoming(b, 5, { hostname: 'B5' }), incoming(b, 4, { hostname: 'B4' }), incoming(b, 5, { hostname: 'B5-dup' })]);
      expect(out.map((o) => o.inserted)).toEqual([true, true, false]);
      expect((await store.deviceDetail(b))?.device.hostname).toBe('B5');
      expect(await store.storeReports([])).toEqual([]);
    });

    it('records history only when readiness or a check status changes, newest first', async () => {
      const { store } = await setup();
      const id = await enroll(store, 'PC-H');
      await store.storeReports([incoming(id, 1), incoming(id, 2), incoming(id, 3)]);
      await store.storeReports([incoming(id, 4, { statuses: { 'sso.prt': 'fail' } })]);
      await store.storeReports([incoming(id, 5, { statuses: { 'sso.prt': 'fail' } })]);
      await store.storeReports([incoming(id, 6, { statuses: { 'sso.prt': 'fail', 'policy.security-key': 'fail' } })]);
      // Seq 7 repeats seq 6's state: it is still stored as the latest report, with its own time.
      await store.storeReports([incoming(id, 7, { statuses: { 'sso.prt': 'fail', 'policy.security-key': 'fail' }, dropped: 1 })]);
      const detail = DeviceDetail.parse(await store.deviceDetail(id));
      expect(detail.report).toEqual(incoming(id, 7, { statuses: { 'sso.prt': 'fail', 'policy.security-key': 'fail' } }).report);
      expect(detail.device.lastReport).toBe(minutes(7).toISOString());
      expect(detail.droppedReports).toBe(1);
      expect(detail.history.map((h) => h.seq)).toEqual([6, 4, 1]);
      expect(detail.history[0]).toEqual({
        at: minutes(6).toISOString(),
        seq: 6,
        readiness: 'not-ready',
        changes: [{ id: 'policy.security-key', from: 'pass', to: 'fail' }],
      });
      expect(detail.history[1]?.changes).toEqual([{ id: 'sso.prt', from: 'pass', to: 'fail' }]);
      expect(detail.history[1]?.readiness).toBe('ready'); // a user check does not decide readiness (the tenant side does)
      expect(detail.history[2]?.changes).toHaveLength(11);
      expect(detail.history[2]?.changes[0]).toEqual({ id: 'os.build', from: null, to: 'pass' });
    });

    it('returns at most the 200 newest history entries', async () => {
      const { store } = await setup();
      const id = await enroll(store, 'PC-FLAP');
      // A flapping check: every report changes it, so every report is a history entry.
      await store.storeReports(Array.from({ length: 210 }, (_, i) => incoming(id, i, { statuses: { 'sso.prt': i % 2 === 0 ? 'fail' : 'pass' } })));
      const detail = await store.deviceDetail(id);
      expect(detail?.history).toHaveLength(200);
      expect(detail?.history[0]?.seq).toBe(209);
      expect(detail?.history.at(-1)?.seq).toBe(10);
    });

    it('keeps the last key seen after it is unplugged, judges the key layer by it, and the dropped count', async () => {
      const { store } = await setup();
      const id = await enroll(store, 'PC-K');
      const seen = new Date('2026-11-20T08:59:00Z');
      const noFingerprint = { ...ATKEY_PRO, fingerprintEnrolled: false };
      await store.storeReports([incoming(id, 1, { generatedAt: seen, keys: [noFingerprint], statuses: { 'key.fingerprint': 'fail' } })]);
      const unplugged = { 'key.present': 'warn', 'key.fingerprint': 'unknown', 'key.pin': 'unknown' } as const;
      await store.storeReports([incoming(id, 2, { keys: [], statuses: unplugged, dropped: 3 })]);
      const detail = DeviceDetail.parse(await store.deviceDetail(id));
      expect(detail.device).toMatchObject({ keyModel: 'ATKey.Pro CTAP2.0', keyFingerprintEnrolled: false, keyPinSet: true, keySeenAt: seen.toISOString() });
      expect(detail.report?.facts.keys).toEqual([]);
      expect(detail.droppedReports).toBe(3);
      expect((await store.listDevices(query({ model: 'ATKey.Pro CTAP2.0' }))).total).toBe(1);
      // The agent could not judge the key (its verdict: unknown); the fleet judges it as last seen.
      expect(detail.report?.readiness).toBe('unknown');
      expect(detail.device).toMatchObject({ readiness: 'not-ready', blocking: ['key.fingerprint'], unknown: [], keyRemembered: true, layers: { device: 'ready', key: 'not-ready', user: 'unknown' } });
      expect(detail.keyChecks?.find((c) => c.id === 'key.fingerprint')?.status).toBe('fail');
      expect((await store.summary(minutes(3))).blocking).toEqual([{ id: 'key.fingerprint', count: 1 }]);
      // Plugged in again, enrolled: judged by the new report, nothing remembered.
      await store.storeReports([incoming(id, 3)]);
      expect(DeviceDetail.parse(await store.deviceDetail(id))).toMatchObject({ keyChecks: null, device: { readiness: 'ready', keyRemembered: false, layers: { key: 'ready' } } });
    });

    it('summarises the fleet: readiness, online, blocking checks ranked, keys, trend, demo', async () => {
      const { store } = await setup();
      const ids = await Promise.all(['PC-1', 'PC-2', 'PC-3', 'PC-4', 'PC-5'].map((h) => enroll(store, h)));
      const [a, b, c, d] = ids as [string, string, string, string, string];
      const day2 = new Date('2026-11-21T10:00:00Z');
      const day4 = new Date('2026-11-23T10:00:00Z');
      await store.storeReports([
        incoming(a, 1, { at: day2 }),
        incoming(b, 1, { at: day2, statuses: { 'os.build': 'fail', 'policy.security-key': 'fail' } }),
        incoming(c, 1, { at: day2, statuses: { 'policy.security-key': 'fail', 'key.fingerprint': 'fail' }, keys: [{ ...ATKEY_PRO, fingerprintEnrolled: false }] }),
        incoming(d, 1, { at: day4, statuses: { 'join.state': 'unknown' }, keys: [] }),
      ]);
      await store.markPresence([{ type: 'connected', deviceId: a, instanceId: 'collector-1', agentVersion: '0.1.0', tags: undefined, at: day4 }]);
      const summary = Summary.parse(await store.summary(day4));
      expect(summary).toMatchObject({
        total: 5,
        readiness: { ready: 1, notReady: 2, unknown: 2 },
        layers: {
          device: { ready: 1, notReady: 2, unknown: 2 },
          key: { ready: 3, notReady: 1, unknown: 1 },
          user: { ready: 0, notReady: 0, unknown: 5 },
        },
        online: 1,
        offline: 4,
        // Key problems count; a check that could not be collected (d's join state) never does.
        blocking: [
          { id: 'policy.security-key', count: 2 },
          { id: 'os.build', count: 1 },
          { id: 'key.fingerprint', count: 1 },
        ],
        keys: [{ model: 'ATKey.Pro CTAP2.0', total: 3, fingerprintEnrolled: 2, fingerprintNotEnrolled: 1 }],
        demo: false,
      });
      expect(summary.trend).toEqual([
        { day: '2026-11-20', ready: 0, notReady: 0, unknown: 5 },
        { day: '2026-11-21', ready: 1, notReady: 2, unknown: 2 },
        { day: '2026-11-22', ready: 1, notReady: 2, unknown: 2 },
        { day: '2026-11-23', ready: 1, notReady: 2, unknown: 2 },
      ]);
      // Forty days on, the window shows the last thirty days carried forward.
      const later = await store.summary(new Date('2027-01-02T00:00:00Z'));
      expect(later.trend).toHaveLength(30);
      expect(later.trend[0]).toEqual({ day: '2026-12-04', ready: 1, notReady: 2, unknown: 2 });

      await enroll(store, 'DEMO-1', { demo: true });
      expect((await store.summary(day4)).demo).toBe(true);
    });

    it('filters, sorts and pages the device list', async () => {
      const { store, peer } = await setup();
      // Every page also taken by walking the sort index, as a fleet's lists of over 5,000 matches are.
      const walking = await peer({ walkSortIndexFrom: 0 });
      const specs: { host: string; user: string | null; tags: Record<string, string>; statuses?: Partial<Record<CheckId, CheckStatus>>; build: number | null; keys?: [] }[] = [
        { host: 'PC-TOKYO-01', user: 'taro@contoso.co.jp', tags: { site: 'tokyo', floor: '3' }, build: 22631 },
        { host: 'pc-osaka-01', user: 'hanako@contoso.co.jp', tags: { site: 'osaka' }, statuses: { 'os.build': 'fail' }, build: 19045 },
        { host: 'PC-TOKYO-02', user: null, tags: { site: 'tokyo' }, statuses: { 'join.state': 'unknown' }, build: null, keys: [] },
        { host: 'PC-NAGOYA-01', user: 'jiro@contoso.co.jp', tags: { dept: 'tokyo' }, statuses: { 'key.fingerprint': 'fail' }, build: 26100 },
      ];
      const ids: string[] = [];
      for (const spec of specs) {
        const id = await enroll(store, spec.host, { tags: spec.tags });
        ids.push(id);
        await store.storeReports([
          incoming(id, 1, { hostname: spec.host, user: spec.user, statuses: spec.statuses, build: spec.build, keys: spec.keys, at: minutes(ids.length) }),
        ]);
      }
      const noReport = await enroll(store, 'PC-NEW');
      await store.markPresence([{ type: 'connected', deviceId: ids[0]!, instanceId: 'collector-1', agentVersion: '0.2.0', tags: undefined, at: minutes(10) }]);
      const hosts = async (q: Partial<Record<keyof DeviceQuery, string>>) => {
        const list = DeviceList.parse(await store.listDevices(query(q)));
        expect(await walking.listDevices(query(q))).toEqual(list);
        return list.items.map((d) => d.hostname);
      };

      expect(await hosts({})).toEqual(['PC-NAGOYA-01', 'PC-NEW', 'pc-osaka-01', 'PC-TOKYO-01', 'PC-TOKYO-02']);
      expect(await hosts({ readiness: 'not-ready' })).toEqual(['PC-NAGOYA-01', 'pc-osaka-01']); // a key problem counts
      expect(await hosts({ readiness: 'unknown' })).toEqual(['PC-NEW', 'PC-TOKYO-02']);
      expect(await hosts({ check: 'key.fingerprint' })).toEqual(['PC-NAGOYA-01']);
      expect(await hosts({ check: 'join.state' })).toEqual([]); // unknown is not failing
      expect(await hosts({ unknown: 'join.state' })).toEqual(['PC-TOKYO-02']);
      expect(await hosts({ key: 'not-ready' })).toEqual(['PC-NAGOYA-01']);
      expect(await hosts({ device: 'not-ready' })).toEqual(['pc-osaka-01']);
      expect(await hosts({ device: 'ready', key: 'ready' })).toEqual(['PC-TOKYO-01']);
      expect(await hosts({ user: 'ready' })).toEqual([]); // not until the tenant side is read
      expect(await hosts({ online: 'true' })).toEqual(['PC-TOKYO-01']);
      expect(await hosts({ online: 'false' })).toHaveLength(4);
      expect(await hosts({ model: 'ATKey.Pro CTAP2.0' })).toEqual(['PC-NAGOYA-01', 'pc-osaka-01', 'PC-TOKYO-01']);
      expect(await hosts({ tag: 'site=tokyo' })).toEqual(['PC-TOKYO-01', 'PC-TOKYO-02']);
      expect(await hosts({ tag: 'tokyo' })).toEqual(['PC-NAGOYA-01', 'PC-TOKYO-01', 'PC-TOKYO-02']);
      expect(await hosts({ tag: 'floor=4' })).toEqual([]);
      expect(await hosts({ q: 'TOKYO' })).toEqual(['PC-TOKYO-01', 'PC-TOKYO-02']);
      expect(await hosts({ q: 'HANAKO@' })).toEqual(['pc-osaka-01']);
      expect(await hosts({ q: noReport.slice(4, 12).toUpperCase() })).toEqual(['PC-NEW']);
      expect(await hosts({ q: '%' })).toEqual([]); // no wildcard semantics leak through
      expect(await hosts({ q: 'ak' })).toEqual(['pc-osaka-01']); // shorter than a trigram
      expect(await hosts({ q: 'tokyo" OR "osaka' })).toEqual([]); // no search-syntax either
      expect(await hosts({ tag: 'site=tokyo', unknown: 'join.state', online: 'false' })).toEqual(['PC-TOKYO-02']);
      expect(await hosts({ tag: 'tokyo', q: 'PC-T' })).toEqual(['PC-TOKYO-01', 'PC-TOKYO-02']); // a text and a tag alone
      expect(await hosts({ tag: 'tokyo', q: 'PC-', limit: '1' })).toEqual(['PC-NAGOYA-01']); // more matches than the page

      // Missing values first ascending, last descending, in every engine.
      const noBuild = [noReport, ids[2]!].sort();
      const byBuild = (await store.listDevices(query({ sort: 'osBuild' }))).items.map((d) => d.deviceId);
      expect(byBuild).toEqual([...noBuild, ids[1], ids[0], ids[3]]);
      const byBuildDesc = (await store.listDevices(query({ sort: 'osBuild', order: 'desc' }))).items.map((d) => d.deviceId);
      expect(byBuildDesc).toEqual([ids[3], ids[0], ids[1], ...noBuild.reverse()]);
      expect((await hosts({ sort: 'readiness' })).slice(0, 2).sort()).toEqual(['PC-NAGOYA-01', 'pc-osaka-01']);
      expect((await hosts({ sort: 'lastSeen', order: 'desc' }))[0]).toBe('PC-TOKYO-01');
      expect((await hosts({ sort: 'lastReport', order: 'desc' })).slice(0, 2)).toEqual(['PC-NAGOYA-01', 'PC-TOKYO-02']);
      expect((await hosts({ sort: 'keyModel', order: 'desc' })).slice(-2).sort()).toEqual(['PC-NEW', 'PC-TOKYO-02']);

      // Ties (same readiness) are broken by device id, so pages never overlap.
      const all = (await store.listDevices(query({ sort: 'readiness', limit: '50' }))).items.map((d) => d.deviceId);
      const paged: string[] = [];
      for (let offset = 0; offset < 5; offset += 2) {
        const page = await store.listDevices(query({ sort: 'readiness', limit: '2', offset: String(offset) }));
        expect(page.total).toBe(5);
        paged.push(...page.items.map((d) => d.deviceId));
      }
      expect(paged).toEqual(all);
      for (const tie of [all.slice(0, 2), all.slice(2, 4)]) expect(tie).toEqual([...tie].sort()); // not ready, unknown

      const row = (await store.listDevices(query({ q: 'pc-tokyo-01' }))).items[0];
      expect(row).toMatchObject({ user: 'taro@contoso.co.jp', tags: { site: 'tokyo', floor: '3' }, agentVersion: '0.2.0', online: true, osBuild: 22631, joinType: 'hybrid', lastSeen: minutes(10).toISOString() });
    });

    it('finds a substring of host name, user or device id at any length, case-insensitively, as a plain text', async () => {
      const { store, peer } = await setup();
      const walking = await peer({ walkSortIndexFrom: 0 });
      // Japanese and non-BMP characters, pattern characters taken literally, upper case, a PC without a report.
      const specs: { host: string; user: string | null }[] = [
        { host: 'PC-OSAKA-01', user: 'Hanako@contoso.co.jp' },
        { host: 'PC-TOKYO-01', user: '山田太郎@contoso.co.jp' },
        { host: 'LAB_100%', user: 'a_b%c@contoso.co.jp' },
        { host: 'KIOSK-Z', user: null },
        { host: '東京-受付', user: '🔑key@contoso.co.jp' },
        // Names as long as a report may carry (256 characters), three UTF-8 bytes each: still indexed.
        { host: `${'端'.repeat(252)}-END`, user: `${'名'.repeat(242)}@contoso.co.jp` },
      ];
      const ids: string[] = [];
      for (const spec of specs) {
        const id = await enroll(store, spec.host);
        ids.push(id);
        await store.storeReports([incoming(id, 1, { hostname: spec.host, user: spec.user })]);
      }
      const noReport = await enroll(store, 'PC-NEW');
      // A rename and a new user replace the old text: its grams must not match any more.
      await store.storeReports([incoming(ids[3]!, 2, { hostname: 'KIOSK-Q', user: 'Zed@contoso.co.jp' })]);

      const fleet = (await store.listDevices(query({ limit: '500' }))).items;
      expect(fleet).toHaveLength(7);
      const text = (d: (typeof fleet)[number]) => `${d.hostname}\n${d.user ?? ''}\n${d.deviceId}`.toLowerCase();
      const expected = (q: string) => fleet.filter((d) => text(d).includes(q.toLowerCase())).map((d) => d.deviceId).sort();
      const found = async (q: string) => {
        const list = DeviceList.parse(await store.listDevices(query({ q, limit: '500' })));
        expect(list.total).toBe(list.items.length);
        expect(await walking.listDevices(query({ q, limit: '500' }))).toEqual(list);
        return list.items.map((d) => d.deviceId).sort();
      };
      const needles = [
        'k', 'K', 'z', 'q', '-', '%', '_', '@', '\n', '東', '受', '🔑', 'x', '\\', // one character (x and the backslash: nowhere)
        'ak', 'AK', 'zq', 'b%', '_1', '京-', '🔑k', 'd@', '1\nh', 'ze', '-z', // two (-z: only the old host name)
        '端端', '端-end', '名@', 'osaka', 'lab_1', '100%', '山田太郎', '東京-受付', 'kiosk-q', 'kiosk-z', 'zed@', noReport.slice(9, 17).toUpperCase(), '01\nhanako', 'zzz',
        'la\\b', // a backslash is no escape either: not "lab"
        `.jp\n${ids[0]!.slice(0, 4)}`, // across the user name's end into the id
      ];
      for (const q of needles) expect({ q, ids: await found(q) }).toEqual({ q, ids: expected(q) });
      expect(await found('kiosk-z')).toEqual([]);
      expect(await found('-z')).toEqual([]);
      expect(await found('🔑')).toEqual([ids[4]]);
      expect((await found('k')).length).toBeGreaterThan(2);

      // A page past the last match is empty, with the total still counted.
      const past = await store.listDevices(query({ q: 'pc-', offset: '10' }));
      expect(past).toEqual({ total: 3, items: [] });
      // With other filters and sorts the same matches, in order.
      const online = await store.listDevices(query({ q: 'o', sort: 'hostname', order: 'desc', readiness: 'ready' }));
      const readyWithO = fleet.filter((d) => d.readiness === 'ready' && text(d).includes('o')).map((d) => d.hostname.toLowerCase()).sort().reverse();
      expect(online.items.map((d) => d.hostname.toLowerCase())).toEqual(readyWithO);
    });

    it('finds a tag of either source by key=value or by value, whatever its key and value hold, in every plan of a list', async () => {
      const { store, peer } = await setup();
      const walking = await peer({ walkSortIndexFrom: 0 });
      // The separators of the tags' text (=, newline, %) and LIKE's pattern characters inside keys and
      // values, Japanese, and tags too long for the text (tested by id instead).
      const specs: { host: string; agent: Record<string, string>; admin?: Record<string, string> }[] = [
        { host: 'PC-A', agent: { site: 'Tokyo', note: 'a=b' } },
        { host: 'PC-B', agent: { 'k=x': 'v' }, admin: { department: '営業' } },
        { host: 'PC-C', agent: { site: 'Tok%yo', path: 'C:\\x_1' } },
        { host: 'PC-D', agent: { multi: 'line\nsite=Tokyo', pct: '%3D' } },
        { host: 'PC-E', agent: { site: 'Tokyo', blob: 'x'.repeat(250) } },
        { host: 'PC-F', agent: { site: 'Tokyo' }, admin: { site: 'Osaka' } },
        { host: 'PC-G', agent: { site: 'Tokyo' } },
        { host: 'PC-H', agent: {} },
      ];
      const ids: string[] = [];
      for (const spec of specs) {
        const id = await enroll(store, spec.host, { tags: spec.agent });
        ids.push(id);
        for (const [key, value] of Object.entries(spec.admin ?? {})) await store.assignTag([id], key, value);
      }
      // Tags that change after enrolment: a hello's new agent tags, a collector tag set then removed.
      const hello = (deviceId: string, tags: Record<string, string>) => ({ type: 'connected' as const, deviceId, instanceId: 'collector-1', agentVersion: '0.1.0', tags, at: minutes(5) });
      await store.markPresence([hello(ids[6]!, { site: 'Nagoya' }), hello(ids[7]!, { site: 'Tokyo', floor: '3' })]);
      await store.assignTag([ids[6]!], 'site', 'Tokyo');
      await store.assignTag([ids[6]!], 'site', null);

      // As stored, not as shown (the API's schema makes control characters visible).
      const fleet = (await store.listDevices(query({ limit: '500' }))).items;
      const expected = (tag: string) => {
        const eq = tag.indexOf('=');
        const has = (tags: Record<string, string> | undefined) =>
          eq >= 0 ? tags?.[tag.slice(0, eq)] === tag.slice(eq + 1) : Object.values(tags ?? {}).includes(tag);
        return fleet.filter((d) => has(d.tags) || has(d.adminTags)).map((d) => d.hostname);
      };
      const found = async (tag: string) => {
        const list = await store.listDevices(query({ tag, limit: '500' }));
        expect(list.total).toBe(list.items.length);
        expect(await walking.listDevices(query({ tag, limit: '500' }))).toEqual(list);
        // Within a text search: counted from the search tables, paged by a walk.
        for (const lister of [store, walking]) expect(await lister.listDevices(query({ tag, q: 'pc-', limit: '500' }))).toEqual(list);
        expect((await collect(store.exportDevices(query({ tag })))).map((d) => d.hostname)).toEqual(list.items.map((d) => d.hostname));
        return list.items.map((d) => d.hostname);
      };
      const tags = [
        'site=Tokyo', 'Tokyo', 'site=Osaka', 'Osaka', 'site=Nagoya', 'floor=3', 'tokyo', 'site=tokyo', 'Tok',
        'note=a=b', 'a=b', 'k=x=v', 'v', 'department=営業', '営業', 'site=Tok%yo', 'Tok%yo', 'Tok_yo', 'path=C:\\x_1', 'C:\\x%1',
        'multi=line\nsite=Tokyo', 'line', 'pct=%3D', '=', '%', '\n', `blob=${'x'.repeat(250)}`,
      ];
      for (const tag of tags) expect({ tag, hosts: await found(tag) }).toEqual({ tag, hosts: expected(tag) });
      expect(await found('site=Tokyo')).toEqual(['PC-A', 'PC-E', 'PC-F', 'PC-H']);
      expect(await found('Osaka')).toEqual(['PC-F']);
      expect(await found('pct=%3D')).toEqual(['PC-D']);
    });

    it('exports every matching device in the requested order, page after page', async () => {
      const { store } = await setup();
      for (let i = 0; i < 23; i++) {
        const id = await enroll(store, `PC-${String(i).padStart(2, '0')}`, { tags: { ring: i % 2 === 0 ? 'even' : 'odd' } });
        if (i % 3 !== 0) await store.storeReports([incoming(id, 1, { hostname: `PC-${String(i).padStart(2, '0')}`, build: 22000 + (i % 4) })]);
      }
      for (const sort of ['osBuild', 'hostname', 'lastReport'] as const) {
        for (const order of ['asc', 'desc'] as const) {
          const q = query({ sort, order, limit: '500' });
          const listed = (await store.listDevices(q)).items;
          expect((await collect(store.exportDevices(q))).map((d) => d.deviceId)).toEqual(listed.map((d) => d.deviceId));
        }
      }
      const odd = await collect(store.exportDevices(query({ tag: 'ring=odd' })));
      expect(odd).toHaveLength(11);
    });

    it('returns the device detail with its report; null for an unknown device', async () => {
      const { store } = await setup();
      const id = await enroll(store, 'PC-D');
      const empty = DeviceDetail.parse(await store.deviceDetail(id));
      expect(empty).toMatchObject({ report: null, history: [], droppedReports: 0 });
      expect(empty.device).toMatchObject({ readiness: 'unknown', lastReport: null, keyModel: null, online: false });
      const report = incoming(id, 7, { hostname: 'PC-D' });
      await store.storeReports([report]);
      const detail = DeviceDetail.parse(await store.deviceDetail(id));
      expect(detail.report).toEqual(report.report);
      expect(detail.device).toMatchObject({ readiness: 'ready', lastReport: minutes(7).toISOString(), blocking: [], failing: [] });
      expect(await store.deviceDetail('missing')).toBeNull();
    });

    it('stores a report handed over as the frame it arrived in exactly as the parsed report, changed or resent', async () => {
      const { store } = await setup();
      const parsed = await enroll(store, 'PC-PARSED');
      const framed = await enroll(store, 'PC-FRAMED');
      // As the ingest layer hands it over (agent-connection.ts): the frame's bytes and its content identity.
      const asFramed = (report: IncomingReport, deviceId: string): IncomingReport => {
        const frame = new TextEncoder().encode(JSON.stringify({ type: 'report', seq: report.seq, dropped: report.dropped, report: report.report }));
        return { ...report, deviceId, frame, contentHash: reportIdentity(Buffer.from(frame)) };
      };
      const steps = [
        incoming(parsed, 1, { user: '山田 太郎@contoso.co.jp', keys: [ATKEY_PRO] }),
        incoming(parsed, 2, { user: '山田 太郎@contoso.co.jp', keys: [ATKEY_PRO], dropped: 3 }),
        incoming(parsed, 3, { user: '山田 太郎@contoso.co.jp', keys: [], statuses: { 'key.present': 'warn', 'key.fingerprint': 'unknown', 'key.pin': 'unknown' } }),
      ];
      for (const step of steps) {
        await store.storeReports([step, asFramed(step, framed)]);
        const [a, b] = [DeviceDetail.parse(await store.deviceDetail(parsed)), DeviceDetail.parse(await store.deviceDetail(framed))];
        expect(b.report).toEqual(step.report);
        expect({ ...b.device, deviceId: parsed }).toEqual(a.device);
        expect(b.history).toEqual(a.history);
      }
    });

    it('tracks connections per collector instance, sweeps a dead instance, touches last-seen', async () => {
      const { store } = await setup();
      const a = await enroll(store, 'PC-A');
      const b = await enroll(store, 'PC-B');
      const c = await enroll(store, 'PC-C');
      await store.heartbeatInstance('live', minutes(0));
      await store.heartbeatInstance('dead', minutes(0));
      await store.markPresence([{ type: 'connected', deviceId: a, instanceId: 'live', agentVersion: '0.1.0', tags: { site: 'tokyo' }, at: minutes(1) }]);
      await store.markPresence([{ type: 'connected', deviceId: b, instanceId: 'dead', agentVersion: '0.1.0', tags: undefined, at: minutes(1) }]);
      await store.markPresence([{ type: 'connected', deviceId: c, instanceId: 'dead', agentVersion: '0.1.0', tags: undefined, at: minutes(1) }]);
      expect((await store.listDevices(query({ tag: 'site=tokyo' }))).total).toBe(1);

      // A disconnect reported by an instance that no longer holds the device changes nothing.
      await store.markPresence([{ type: 'disconnected', deviceId: a, instanceId: 'dead', at: minutes(2) }]);
      expect((await store.summary(minutes(2))).online).toBe(3);

      await store.touch([a, b], minutes(3));
      expect((await store.deviceDetail(a))?.device.lastSeen).toBe(minutes(3).toISOString());
      await store.touch([a], minutes(2)); // an older ping never moves last-seen back
      expect((await store.deviceDetail(a))?.device.lastSeen).toBe(minutes(3).toISOString());

      await store.heartbeatInstance('live', minutes(5));
      expect(await store.sweepOffline(minutes(4))).toEqual([b, c].sort());
      expect((await store.summary(minutes(5))).online).toBe(1);

      await store.releaseInstance('live', minutes(6));
      expect((await store.summary(minutes(6))).online).toBe(0);
      await store.markPresence([{ type: 'connected', deviceId: b, instanceId: 'live', agentVersion: '0.1.0', tags: undefined, at: minutes(7) }]);
      await store.markPresence([{ type: 'disconnected', deviceId: b, instanceId: 'live', at: minutes(8) }]);
      expect((await store.deviceDetail(b))?.device).toMatchObject({ online: false, lastSeen: minutes(8).toISOString() });
    });

    it('applies a batch of presence changes in order per device (reconnects, supersedes, foreign disconnects)', async () => {
      const { store } = await setup();
      const [a, b, c, d, e] = [await enroll(store, 'PC-A'), await enroll(store, 'PC-B'), await enroll(store, 'PC-C'), await enroll(store, 'PC-D'), await enroll(store, 'PC-E')];
      const connected = (deviceId: string, at: Date, tags?: Record<string, string>, instanceId = 'i1') =>
        ({ type: 'connected', deviceId, instanceId, agentVersion: '0.2.0', tags, at }) as const;
      const disconnected = (deviceId: string, at: Date, instanceId = 'i1') => ({ type: 'disconnected', deviceId, instanceId, at }) as const;
      await store.markPresence([{ type: 'connected', deviceId: b, instanceId: 'i1', agentVersion: '0.1.0', tags: undefined, at: minutes(1) }]);
      await store.markPresence([{ type: 'connected', deviceId: e, instanceId: 'i2', agentVersion: '0.1.0', tags: undefined, at: minutes(1) }]);
      await store.markPresence([
        connected(a, minutes(2), { site: 'osaka' }),
        disconnected(b, minutes(2)), // the old connection dropped, then the agent came back:
        connected(c, minutes(2)),
        connected(b, minutes(3), { site: 'tokyo' }), // … ends online, with the new hello's tags
        connected(c, minutes(3)), // a newer connection superseded the old one (no disconnect): online
        disconnected(a, minutes(4)), // connected and gone within one batch: offline
        connected(d, minutes(2)),
        disconnected(d, minutes(3), 'i2'), // a disconnect from an instance not holding it: ignored
        disconnected(e, minutes(2)), // e is held by i2: i1's disconnect changes nothing
      ]);
      const device = async (id: string) => (await store.deviceDetail(id))?.device;
      expect(await device(a)).toMatchObject({ online: false, lastSeen: minutes(4).toISOString(), agentVersion: '0.2.0' });
      expect(await device(b)).toMatchObject({ online: true, lastSeen: minutes(3).toISOString(), agentVersion: '0.2.0' });
      expect(await device(c)).toMatchObject({ online: true, lastSeen: minutes(3).toISOString() });
      expect(await device(d)).toMatchObject({ online: true });
      expect(await device(e)).toMatchObject({ online: true, agentVersion: '0.1.0' });
      expect((await store.listDevices(query({ tag: 'site=tokyo' }))).items.map((row) => row.deviceId)).toEqual([b]);
      expect((await store.listDevices(query({ tag: 'site=osaka' }))).items.map((row) => row.deviceId)).toEqual([a]);
      expect((await store.summary(minutes(5))).online).toBe(4);
    });

    it('keeps one row per user seen on PCs, rebuilt when a PC changes hands or is judged against the tenant', async () => {
      const { store, peer } = await setup();
      const [a, b, c, d] = [await enroll(store, 'PC-A'), await enroll(store, 'PC-B'), await enroll(store, 'PC-C'), await enroll(store, 'PC-D')];
      const taro = 'taro@contoso.com';
      const hanako = 'hanako@contoso.com';
      await store.storeReports([
        incoming(a, 1, { hostname: 'PC-A', user: taro }),
        incoming(b, 1, { hostname: 'PC-B', user: taro, statuses: { 'key.fingerprint': 'fail' } }),
        incoming(c, 1, { hostname: 'PC-C', user: hanako }),
        incoming(d, 1, { hostname: 'PC-D', user: null }),
      ]);
      const users = (q: Partial<Record<keyof UserQuery, string>> = {}) => store.listUsers(UserQuery.parse(q));
      const first = await users();
      expect(first.total).toBe(2);
      expect(first.items.map((u) => [u.user, u.verdict, u.heldBy, u.pcCount, u.readyPcs, u.keyRegistered, u.tenant])).toEqual([
        [taro, 'not-ready', ['key'], 2, 1, 'unknown', null],
        [hanako, 'ready', [], 1, 1, 'unknown', null],
      ]);
      expect(first.items[0]!.pcs.map((p) => p.hostname).sort()).toEqual(['PC-A', 'PC-B']);
      expect(first.items[0]!.key).toMatchObject({ model: 'ATKey.Pro CTAP2.0' });
      expect((await users({ verdict: 'ready' })).items.map((u) => u.user)).toEqual([hanako]);
      expect((await users({ layer: 'key' })).items.map((u) => u.user)).toEqual([taro]);
      expect((await users({ q: 'pc-c' })).items.map((u) => u.user)).toEqual([hanako]);
      // Any length, case-insensitive, literal: one and two characters too, never the device ids; the
      // same through the PCs' search index and through each user's row, whichever the engine picks.
      const throughPcs = await peer({ userSearchRowsFrom: 1_000_000 });
      const byRows = await peer({ userSearchRowsFrom: -1 });
      for (const searched of [throughPcs, byRows]) {
        const found = async (q: string) => (await searched.listUsers(UserQuery.parse({ q, sort: 'user' }))).items.map((u) => u.user);
        expect(await found('H')).toEqual([hanako]);
        expect(await found('c')).toEqual([hanako, taro]);
        expect(await found('TA')).toEqual([taro]);
        expect(await found('-b')).toEqual([taro]);
        expect(await found('%')).toEqual([]);
        expect(await found(a.slice(0, 8))).toEqual([]);
        expect(await found('zq')).toEqual([]);
        expect((await searched.listUsers(UserQuery.parse({ q: 'pc-', verdict: 'ready' }))).items.map((u) => u.user)).toEqual([hanako]);
        const exported: string[] = [];
        for await (const row of searched.exportUsers(UserQuery.parse({ q: 'pc-', sort: 'user' }))) exported.push(row.user);
        expect(exported).toEqual([hanako, taro]);
      }
      const found = async (q: string) => (await users({ q, sort: 'user' })).items.map((u) => u.user);
      expect((await users({ sort: 'pcs', order: 'desc', limit: '1' })).items.map((u) => u.user)).toEqual([taro]);
      // Pages of one follow the sort, each user once, the total on every page, nothing past the end.
      const paged = await Promise.all(['0', '1', '2'].map((offset) => users({ sort: 'user', order: 'desc', limit: '1', offset })));
      expect(paged.map((p) => [p.total, p.items.map((u) => u.user)])).toEqual([[2, [taro]], [2, [hanako]], [2, []]]);

      // PC-B passes to hanako: both rows move.
      await store.storeReports([incoming(b, 2, { hostname: 'PC-B', user: hanako, statuses: { 'key.fingerprint': 'fail' } })]);
      expect((await users({ sort: 'user' })).items.map((u) => [u.user, u.verdict, u.pcCount])).toEqual([
        [hanako, 'not-ready', 2],
        [taro, 'ready', 1],
      ]);
      // The search follows the PC to its new user, counts each user once, and spans host name and user of one PC.
      expect(await found('-b')).toEqual([hanako]);
      expect((await users({ q: 'pc-' })).total).toBe(2);
      expect(await found('c-c\nhana')).toEqual([hanako]);
      expect(await found('-b')).toEqual([hanako]);

      // Every PC with a report is to be judged; a judgement lands only on the report it was made from.
      const inputs = await store.tenantJudgeInputs('', true, 100);
      expect(inputs.map((i) => i.deviceId).sort()).toEqual([a, b, c, d].sort());
      const hashOf = (id: string) => inputs.find((i) => i.deviceId === id)!.reportHash;
      await store.putTenantJudgements([
        { deviceId: a, reportHash: hashOf(a), overall: 'blocked', blocking: ['user-not-in-fido2-targets'], layers: 8, keyRegistered: true },
        { deviceId: c, reportHash: 'an older report', overall: 'blocked', blocking: ['fido2-method-disabled'], layers: 4, keyRegistered: false },
      ]);
      const judged = await (await peer()).listUsers(UserQuery.parse({ layer: 'user' }));
      expect(judged.items.map((u) => [u.user, u.verdict, u.heldBy, u.tenant, u.keyRegistered])).toEqual([[taro, 'not-ready', ['user'], 'blocked', 'yes']]);
      expect(await store.tenantBlocking()).toEqual([{ id: 'user-not-in-fido2-targets', count: 1 }]);
      expect((await store.tenantJudgeInputs('', true, 100)).map((i) => i.deviceId).sort()).toEqual([b, c, d].sort());
      // A changed report is judged again.
      await store.storeReports([incoming(a, 2, { hostname: 'PC-A', user: taro, statuses: { 'signin.last-provider': 'warn' } })]);
      expect((await store.tenantJudgeInputs('', true, 100)).map((i) => i.deviceId)).toContain(a);

      const detail = await store.userDetail(hanako);
      expect(detail?.deviceIds.sort()).toEqual([b, c].sort());
      expect(await store.userDetail('nobody@contoso.com')).toBeNull();
      const exported = await collect(store.exportUsers(UserQuery.parse({ sort: 'verdict' })));
      expect(exported.map((u) => u.user)).toEqual([hanako, taro]);

      // Graph turned off: no user stays held back by the tenant.
      await store.clearTenantJudgements();
      expect((await users()).items.every((u) => u.tenant === null && u.keyRegistered === 'unknown')).toBe(true);
      expect(await store.tenantBlocking()).toEqual([]);
    });

    it('keeps settings; initSetting lets the first of two racing collectors win for both', async () => {
      const { store, peer } = await setup();
      const other = await peer();
      expect(await store.getSetting('enroll-secret')).toBeNull();
      await store.setSetting('theme', 'dark');
      await store.setSetting('theme', 'light');
      expect(await other.getSetting('theme')).toBe('light');
      const [x, y] = await Promise.all([store.initSetting('enroll-secret', 'from-a'), other.initSetting('enroll-secret', 'from-b')]);
      expect(x).toBe(y);
      expect(['from-a', 'from-b']).toContain(x);
      expect(await store.initSetting('enroll-secret', 'late')).toBe(x);
    });

    it('keeps dashboard sessions by cookie hash: seen by a peer, expired, ended one by one or all at once', async () => {
      const { store, peer } = await setup();
      const other = await peer();
      const now = new Date();
      await store.createSession('hash-a', 'admin', new Date(now.getTime() + 60_000));
      await store.createSession('hash-b', 'admin', new Date(now.getTime() + 60_000));
      expect(await other.getSession('hash-a', now)).toEqual({ username: 'admin', expiresAt: new Date(now.getTime() + 60_000) });
      expect(await other.getSession('hash-a', new Date(now.getTime() + 60_000))).toBeNull();
      await other.deleteSessions('hash-a');
      expect(await store.getSession('hash-a', now)).toBeNull();
      expect(await store.getSession('hash-b', now)).not.toBeNull();
      await store.deleteSessions(null);
      expect(await other.getSession('hash-b', now)).toBeNull();
    });

    it('keeps admin records by kind and id, ends one user’s sessions, and keeps the audit log newest first', async () => {
      const { store, peer } = await setup();
      const other = await peer();
      const now = new Date(1_800_000_000_000);
      await store.putRecord('account', 'alice', '{"role":"helpdesk"}', now);
      await store.putRecord('account', 'alice', '{"role":"admin"}', new Date(now.getTime() + 1));
      await store.putRecord('wave', 'alice', '{"name":"Wave 1"}', now);
      expect(await other.getRecord('account', 'alice')).toEqual({ id: 'alice', body: '{"role":"admin"}', updatedAt: now.getTime() + 1 });
      expect((await other.listRecords('wave')).map((r) => r.id)).toEqual(['alice']);
      expect(await store.deleteRecord('account', 'alice')).toBe(true);
      expect(await store.deleteRecord('account', 'alice')).toBe(false);
      expect(await other.getRecord('account', 'alice')).toBeNull();
      expect(await other.getRecord('wave', 'alice')).not.toBeNull();
      // Insert-if-absent and compare-and-set: of two collectors, exactly one wins each.
      const inserted = await Promise.all([store.insertRecord('alert', 'a1', 'from-a', now), other.insertRecord('alert', 'a1', 'from-b', now)]);
      expect(inserted.filter(Boolean)).toHaveLength(1);
      const body = (await store.getRecord('alert', 'a1'))!.body;
      const replaced = await Promise.all([store.replaceRecord('alert', 'a1', body, 'next-a', now), other.replaceRecord('alert', 'a1', body, 'next-b', now)]);
      expect(replaced.filter(Boolean)).toHaveLength(1);
      expect(await store.replaceRecord('alert', 'a1', body, 'stale', now)).toBe(false);

      const later = new Date(Date.now() + 60_000);
      await store.createSession('hash-alice', 'alice', later);
      await store.createSession('hash-bob', 'bob', later);
      await other.deleteUserSessions('alice');
      expect(await store.getSession('hash-alice', new Date())).toBeNull();
      expect(await store.getSession('hash-bob', new Date())).not.toBeNull();

      for (const [i, action] of ['sign-in', 'recheck', 'export'].entries()) {
        await store.appendAudit({ id: `e${i}`, at: now.getTime() + i, username: 'alice', action, target: i === 1 ? 'device-1' : null, detail: null, address: '10.0.0.1' });
      }
      const log = await other.auditLog(2);
      expect(log.map((e) => e.action)).toEqual(['export', 'recheck']);
      expect(log[1]).toEqual({ id: 'e1', at: now.getTime() + 1, username: 'alice', action: 'recheck', target: 'device-1', detail: null, address: '10.0.0.1' });
    });

    it('keeps collector-assigned tags apart from the agents’ own: filtered on, grouped by, never erased by a hello', async () => {
      const { store, peer } = await setup();
      const other = await peer();
      const ids: string[] = [];
      for (const [host, readiness] of [['PC-A', 'ready'], ['PC-B', 'fail'], ['PC-C', 'ready'], ['PC-D', 'ready']] as const) {
        const id = await enroll(store, host);
        ids.push(id);
        await store.storeReports([incoming(id, 1, { hostname: host, statuses: readiness === 'fail' ? { 'os.build': 'fail' } : {} })]);
      }
      const [a, b, c, d] = ids as [string, string, string, string];
      const hello = (deviceId: string, tags: Record<string, string>) => ({ type: 'connected' as const, deviceId, instanceId: 'collector-1', agentVersion: '0.1.0', tags, at: minutes(5) });
      await store.markPresence([hello(a, { site: 'Tokyo' }), hello(b, { site: 'Tokyo' }), hello(c, { site: 'Osaka' })]);

      expect((await store.assignTag([a, b, 'no-such-device'], 'department', '営業')).sort()).toEqual([a, b].sort());
      // Setting the same value again changes nothing; the collector's site overrides the agent's for grouping.
      expect(await other.assignTag([a], 'department', '営業')).toEqual([]);
      expect(await other.assignTag([c], 'site', 'Tokyo')).toEqual([c]);
      // A later hello rewrites the agent's tags only.
      await store.markPresence([hello(a, { site: 'Tokyo', floor: '3' })]);

      const row = (await store.deviceDetail(a))!.device;
      expect(row.tags).toEqual({ site: 'Tokyo', floor: '3' });
      expect(row.adminTags).toEqual({ department: '営業' });
      const hosts = async (tag: string) => DeviceList.parse(await other.listDevices(query({ tag }))).items.map((x) => x.hostname);
      expect(await hosts('department=営業')).toEqual(['PC-A', 'PC-B']);
      expect(await hosts('営業')).toEqual(['PC-A', 'PC-B']);
      expect(await hosts('site=Osaka')).toEqual(['PC-C']); // the agent still says Osaka
      expect(await hosts('site=Tokyo')).toEqual(['PC-A', 'PC-B', 'PC-C']);
      expect((await collect(other.exportDevices(query({ tag: 'department=営業' })))).map((x) => x.adminTags)).toEqual([{ department: '営業' }, { department: '営業' }]);

      expect(await other.tagValues()).toEqual([
        { key: 'department', agent: [], collector: ['営業'] },
        { key: 'floor', agent: ['3'], collector: [] },
        { key: 'site', agent: ['Osaka', 'Tokyo'], collector: ['Tokyo'] },
      ]);
      const groups = (await other.groupCounts('site')).sort((x, y) => `${x.value}${x.readiness}`.localeCompare(`${y.value}${y.readiness}`));
      expect(groups).toEqual([
        { value: 'Tokyo', readiness: 'not-ready', count: 1 },
        { value: 'Tokyo', readiness: 'ready', count: 2 },
        { value: null, readiness: 'ready', count: 1 },
      ].sort((x, y) => `${x.value}${x.readiness}`.localeCompare(`${y.value}${y.readiness}`)));

      expect(await store.assignTag([a, b, d], 'department', null)).toEqual(expect.arrayContaining([a, b]));
      expect(await hosts('department=営業')).toEqual([]);
      expect((await store.deviceDetail(a))!.device.adminTags).toEqual({});
    });

    it('reads back each device’s readiness changes over time, for any number of devices', async () => {
      const { store } = await setup();
      const a = await enroll(store, 'PC-A');
      const b = await enroll(store, 'PC-B');
      await store.storeReports([incoming(a, 1, { statuses: { 'os.build': 'fail' } }), incoming(b, 1)]);
      await store.storeReports([incoming(a, 2), incoming(b, 2)]);
      const changes = await store.readinessChanges([a, b, ...Array.from({ length: 600 }, (_, i) => `absent-${i}`)]);
      const ofA = changes.filter((c) => c.deviceId === a);
      expect(ofA).toEqual([
        { deviceId: a, at: minutes(1).getTime(), readiness: 'not-ready' },
        { deviceId: a, at: minutes(2).getTime(), readiness: 'ready' },
      ]);
      expect(changes.filter((c) => c.deviceId === b).map((c) => c.readiness)).toEqual(['ready']);
    });

    it('delivers bus events to subscribers (across collectors when the engine is shared)', async () => {
      const { store, peer } = await setup();
      const other = await peer();
      const seenHere: BusEvent[] = [];
      const seenThere: BusEvent[] = [];
      const stopHere = store.subscribe((e) => e.deviceId !== PROBE && seenHere.push(e));
      other.subscribe((e) => e.deviceId !== PROBE && seenThere.push(e));
      const event: BusEvent = { type: 'recheck', deviceId: 'dev-1', requestId: 'req-1' };
      await waitForSubscription(store, other);
      await store.publish(event);
      const crossProcess = store.kind === 'postgres';
      await until('the event heard here (and there)', () => seenHere.length === 1 && (!crossProcess || seenThere.length === 1));
      expect(seenHere).toEqual([event]);
      expect(seenThere).toEqual(crossProcess ? [event] : []);
      stopHere();
      await store.publish({ type: 'device-changed', deviceId: 'dev-1' });
      await other.publish({ type: 'recheck-sent', deviceId: 'dev-1', requestId: 'req-1' });
      await until('the events heard there', () => seenThere.length === (crossProcess ? 3 : 1));
      expect(seenHere).toEqual([event]);
    });

    it('delivers the events of one publish, however many, in order (here and on the other collector)', async () => {
      const { store, peer } = await setup();
      const other = await peer();
      const seenHere: BusEvent[] = [];
      const seenThere: BusEvent[] = [];
      store.subscribe((e) => e.deviceId !== PROBE && seenHere.push(e));
      other.subscribe((e) => e.deviceId !== PROBE && seenThere.push(e));
      await waitForSubscription(store, other);
      // A storm's window of changes, with one event of another kind among them.
      const events: BusEvent[] = Array.from({ length: 300 }, (_, i) => ({ type: 'device-changed', deviceId: `dev-${i}` }));
      events.splice(150, 0, { type: 'recheck', deviceId: 'dev-150', requestId: 'req-1' });
      await store.publish(...events);
      await store.publish();
      const crossProcess = store.kind === 'postgres';
      await until('every event heard', () => seenHere.length === events.length && (!crossProcess || seenThere.length === events.length));
      expect(seenHere).toEqual(events);
      expect(seenThere).toEqual(crossProcess ? events : []);
    });
  });
}

const PROBE = '__probe__';

/**
 * LISTEN is issued on a background connection: a few round trips after subscribe it is in place.
 * Probe with a marker event until both sides hear it, so the test never races the setup.
 */
async function waitForSubscription(a: Store, b: Store): Promise<void> {
  if (a.kind !== 'postgres') return;
  const heard = new Set<string>();
  const stops = [a, b].map((s, i) => s.subscribe((e) => e.deviceId === PROBE && heard.add(String(i))));
  await until('both stores subscribed', async () => {
    await a.publish({ type: 'device-changed', deviceId: PROBE });
    await new Promise((r) => setTimeout(r, 20));
    return heard.size === 2;
  });
  stops.forEach((stop) => stop());
}
