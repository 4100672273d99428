// The tenant poller against the fake Graph with a virtual clock and a real SQLite store: graph.md
// §10.3's cadences, the delta link kept across ticks, keys read only for new or changed users, sign-in
// evidence kept at most 30 days, and one poller per tenant through the store's lease.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../collector/store/index.ts';
import type { Store } from '../../../collector/store/types.ts';
import { LEASE_MS, SIGN_IN_RETENTION_MS, TenantPoller } from '../../../collector/tenant/poller.ts';
import { SECOND_UPN } from '../../../sim/graph/fixtures.ts';
import { setup, stopFakes } from '../../../sim/graph/harness.ts';
import { TENANT, UPN, USER_ID } from '../../../sim/graph/snapshots.ts';

const MIN = 60_000;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await stopFakes();
});

async function sqlite(): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'keyready-poller-'));
  const store = await openStore(`sqlite:${join(dir, 'k.sqlite')}`);
  await store.migrate();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => store.close());
  return store;
}

describe('tenant poller', () => {
  it('reads everything first, then each fact on its cadence, continuing the devices delta', async () => {
    const { clock, fake, client } = await setup();
    const store = await sqlite();
    const pcUsers = [UPN];
    const poller = new TenantPoller({ store, client, tenantId: TENANT, passkeyApis: true, holder: 'a', clock, pcUsers: async () => pcUsers });

    const first = await poller.tick();
    expect(first).toEqual({ leader: true, jobs: ['policy', 'groups', 'devices', 'registration', 'users', 'signIns'], keyReads: [USER_ID] });
    const snapshot = await poller.snapshot();
    expect(snapshot?.devices.status).toBe('ok');
    expect(snapshot?.fido2Methods.get(USER_ID)?.status).toBe('ok');
    expect((await store.tenantFacts(TENANT)).map((f) => f.name)).toContain('state:devices');

    expect(await poller.tick()).toEqual({ leader: true, jobs: [], keyReads: [] });

    await clock.sleep(15 * MIN);
    const before = fake.log.length;
    pcUsers.push(SECOND_UPN);
    const third = await poller.tick();
    expect(third.jobs).toEqual(['policy', 'devices', 'users', 'signIns']);
    // Only the user new on a PC is looked up; their keys are not read, as the registration report shows
    // none. The policy did not change, so groups wait their hour.
    expect(fake.log.slice(before).filter((r) => r.path.startsWith('/v1.0/users/')).map((r) => r.path))
      .toEqual([`/v1.0/users/${SECOND_UPN}`]);
    expect(third.keyReads).toEqual([]);
    const delta = fake.log.slice(before).filter((r) => r.path === '/v1.0/devices/delta');
    expect(delta.length).toBeGreaterThan(0);
    expect(delta[0]!.query).toContain('$deltatoken=');
  });

  it('keeps sign-in evidence no longer than 30 days', async () => {
    const { clock, client } = await setup();
    const store = await sqlite();
    const poller = new TenantPoller({ store, client, tenantId: TENANT, passkeyApis: true, holder: 'a', clock, pcUsers: async () => [UPN] });
    await poller.tick();
    const signIns = async () => {
      const f = (await poller.snapshot())!.signIns;
      return f.status === 'ok' ? f.value.get(USER_ID)?.length ?? 0 : -1;
    };
    expect(await signIns()).toBe(1);
    await clock.sleep(SIGN_IN_RETENTION_MS);
    await poller.tick();
    expect(await signIns()).toBe(0);
  });

  it('polls from one collector at a time; another takes over once the lease expired', async () => {
    const { clock, client } = await setup();
    const store = await sqlite();
    const options = { store, client, tenantId: TENANT, passkeyApis: true, clock, pcUsers: async () => [UPN] };
    const a = new TenantPoller({ ...options, holder: 'a' });
    const b = new TenantPoller({ ...options, holder: 'b' });
    expect((await a.tick()).leader).toBe(true);
    expect(await b.tick()).toEqual({ leader: false, jobs: [], keyReads: [] });
    await clock.sleep(LEASE_MS);
    const takeover = await b.tick();
    expect(takeover.leader).toBe(true);
    // It continues from the stored facts: nothing was due yet after three minutes.
    expect(takeover.jobs).toEqual([]);
    expect((await a.tick()).leader).toBe(false);
  });
});
