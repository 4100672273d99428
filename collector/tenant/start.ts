// The tenant join inside a running collector: the poller (when this collector holds the tenant's lease)
// and the device view the API adds to each PC's detail. app.ts calls this only when Graph is configured.
import { DeviceQuery } from '../../protocol/api.ts';
import { errorText } from '../../protocol/error-text.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/types.ts';
import { TenantDeviceView } from './device-view.ts';
import type { GraphClient } from './http.ts';
import { entraUserOf } from '../../protocol/tenant-facts.ts';
import { systemClock } from './limits.ts';
import { TenantPoller } from './poller.ts';
import { TenantJudge } from './judge.ts';
import { Loop } from './loop.ts';

export interface TenantOptions {
  readonly client: GraphClient;
  readonly tenantId: string;
  readonly passkeyApis: boolean;
  readonly tickMs?: number;
  /** Between judge passes (default JUDGE_MS). */
  readonly judgeMs?: number;
}

export interface RunningTenant {
  readonly view: TenantDeviceView;
  stop(): Promise<void>;
}

export function startTenant(options: TenantOptions, store: Store, instanceId: string, log: Logger): RunningTenant {
  const poller = new TenantPoller({
    store,
    client: options.client,
    tenantId: options.tenantId,
    passkeyApis: options.passkeyApis,
    ...(options.tickMs ? { tickMs: options.tickMs } : {}),
    holder: instanceId,
    clock: systemClock,
    pcUsers: () => usersOnPcs(store),
    onError: (error) => log.error('tenant poll failed', { event: 'tenant.poll-failed', reason: errorText(error) }),
  });
  poller.start();
  const view = new TenantDeviceView(store, options.tenantId);
  const judge = new TenantJudge(store, () => view.current());
  const judging = new Loop(options.judgeMs ?? JUDGE_MS, async () => {
    if (!poller.leading) return;
    // Open dashboards refresh their counts and users on these; after a new snapshot (thousands of PCs)
    // a few events suffice, since each also tells them the summary changed.
    await store.publish(...(await judge.pass()).slice(0, LIVE_EVENTS_PER_PASS).map((deviceId) => ({ type: 'device-changed' as const, deviceId })));
  }, (error) => log.error('tenant judgement failed', { event: 'tenant.judge-failed', reason: errorText(error) }));
  judging.start();
  return { view, stop: async () => { await judging.stop(); await poller.stop(); } };
}

/** How often the judge looks for PCs to judge (a changed report shows in the users view this much later at most). */
const JUDGE_MS = 2_000;
const LIVE_EVENTS_PER_PASS = 20;

/** The Entra users the agents report, from every PC's latest report. */
async function usersOnPcs(store: Store): Promise<string[]> {
  const users = new Set<string>();
  for await (const row of store.exportDevices(DeviceQuery.parse({}))) {
    const user = entraUserOf(row.user);
    if (user) users.add(user.toLowerCase());
  }
  return [...users];
}
