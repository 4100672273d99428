// The tenant side inside the collector, on a real SQLite store and the fake Graph with a virtual clock:
// before the first read a PC's tenant answer says it is waiting (not "not connected"); after it, the
// judge stores each PC's answer for the users view, re-judging only what changed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserQuery } from '../../../protocol/api.ts';
import { FIRST_READ_PENDING } from '../../../protocol/tenant.ts';
import { openStore } from '../../../collector/store/index.ts';
import type { Store } from '../../../collector/store/types.ts';
import { TenantDeviceView } from '../../../collector/tenant/device-view.ts';
import { TenantJudge } from '../../../collector/tenant/judge.ts';
import { TenantPoller } from '../../../collector/tenant/poller.ts';
import { SECOND_UPN } from '../../../sim/graph/fixtures.ts';
import { setup, stopFakes } from '../../../sim/graph/harness.ts';
import { ATKEY_PRO, DEVICE_ID, TENANT, UPN } from '../../../sim/graph/snapshots.ts';
import { ATKEY_PRO as ATKEY_PRO_KEY, makeReport } from '../../../sim/fleet/reports.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await stopFakes();
});

async function sqlite(): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'keyready-judge-'));
  const store = await openStore(`sqlite:${join(dir, 'k.sqlite')}`);
  await store.migrate();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => store.close());
  return store;
}

async function addPc(store: Store, hostname: string, user: string, at: Date): Promise<string> {
  const { deviceId } = await store.enrollDevice(
    { hostname, hardware: { uuid: null, serial: null, manufacturer: null, model: null }, tags: {}, agentVersion: '0.1.0', tokenHash: `h-${hostname}` },
    at,
  );
  const report = makeReport({ hostname, user, generatedAt: at, keys: [{ ...ATKEY_PRO_KEY, aaguid: ATKEY_PRO, model: 'ATKey.Pro CTAP2.1' }] });
  report.facts.join.deviceId = DEVICE_ID;
  await store.storeReports([{ deviceId, seq: 1, receivedAt: at, dropped: 0, report }]);
  return deviceId;
}

describe('tenant answers in the collector', () => {
  it('waits for the first read, then the judge stores every PC and later only the changed ones', async () => {
    const { clock, client } = await setup();
    const store = await sqlite();
    const now = () => new Date(clock.now());
    const alex = await addPc(store, 'PC-TOKYO-0042', UPN, now());
    await addPc(store, 'PC-TOKYO-0043', SECOND_UPN, now());
    const view = () => new TenantDeviceView(store, TENANT, () => clock.now());

    const waiting = await view().forDevice((await store.deviceDetail(alex))!);
    expect(waiting).toMatchObject({ overall: 'unknown', missing: [FIRST_READ_PENDING], pc: { overall: 'unknown' } });
    const judge = new TenantJudge(store, () => view().current(), now);
    expect(await judge.pass()).toEqual([]);

    const poller = new TenantPoller({ store, client, tenantId: TENANT, passkeyApis: true, holder: 'a', clock, pcUsers: async () => [UPN, SECOND_UPN] });
    await poller.tick();
    const read = await view().forDevice((await store.deviceDetail(alex))!);
    expect(read.missing).not.toContainEqual(FIRST_READ_PENDING);
    expect(read.overall).toMatch(/^ready-/);

    expect((await judge.pass()).length).toBe(2);
    const users = await store.listUsers(UserQuery.parse({ sort: 'user' }));
    expect(users.items.map((u) => [u.user, u.verdict, u.heldBy, u.keyRegistered])).toEqual([
      [UPN, 'ready', [], 'yes'],
      [SECOND_UPN, 'not-ready', ['user'], 'no'],
    ]);
    // Same snapshot, nothing changed: nothing written. A new PC is judged on the next pass.
    expect(await judge.pass()).toEqual([]);
    const third = await addPc(store, 'PC-TOKYO-0044', UPN, now());
    expect(await judge.pass()).toEqual([third]);
    expect((await store.listUsers(UserQuery.parse({ sort: 'user' }))).items[0]).toMatchObject({ user: UPN, pcCount: 2, readyPcs: 2 });
  });
});
