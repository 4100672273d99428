// DeviceDetail.tenant: the pure join (join.ts) of a PC's latest report, with the collector's last key
// seen, against the tenant snapshot as stored by the poller (whichever collector polled it).
import { createHash } from 'node:crypto';
import type { DeviceDetail, DeviceTenant, TenantOverview } from '../../protocol/api.ts';
import { FIRST_READ_PENDING } from '../../protocol/tenant.ts';
import type { Store } from '../store/types.ts';
import { combinePc, joinPc, prepare, type PreparedSnapshot } from './join.ts';
import { tenantFactsOf } from '../../protocol/tenant-facts.ts';
import { tenantOverview } from './overview.ts';
import { decodeTenant, snapshotOf } from './stored.ts';

/** Dashboards open many PC pages in a row: a snapshot decoded once serves them until the store changes it. */
const CACHE_MS = 5_000;

/** The snapshot as stored, prepared for the join, and a stamp that changes whenever a stored fact does. */
export interface CurrentSnapshot {
  readonly prepared: PreparedSnapshot | null;
  readonly stamp: string;
}

export class TenantDeviceView {
  private cached: { at: number; current: CurrentSnapshot } | null = null;

  constructor(private readonly store: Store, private readonly tenantId: string, private readonly now: () => number = Date.now) {}

  async current(): Promise<CurrentSnapshot> {
    const t = this.now();
    if (this.cached && t - this.cached.at < CACHE_MS) return this.cached.current;
    const rows = await this.store.tenantFacts(this.tenantId);
    const snapshot = snapshotOf(this.tenantId, decodeTenant(rows));
    const stamp = createHash('sha256').update(rows.map((r) => `${r.name}\t${r.fetchedAt}`).join('\n')).digest('base64');
    this.cached = { at: t, current: { prepared: snapshot && prepare(snapshot), stamp } };
    return this.cached.current;
  }

  private async prepared(): Promise<PreparedSnapshot | null> {
    return (await this.current()).prepared;
  }

  /** The overview's tenant panel, from the same cached snapshot (live summary refetches stay cheap). */
  async overview(): Promise<TenantOverview> {
    const prepared = await this.prepared();
    return tenantOverview(prepared?.snapshot ?? null, new Date(this.now()), prepared ? await this.store.tenantBlocking() : []);
  }

  async forDevice(detail: DeviceDetail): Promise<DeviceTenant> {
    const report = detail.report;
    const prepared = await this.prepared();
    if (!report || !prepared) {
      // Nothing to join yet: the tenant not read (a collector just started), or no report from the PC.
      const missing = prepared ? { kind: 'agent-fact' as const, name: 'a report' } : FIRST_READ_PENDING;
      const answer = { overall: 'unknown' as const, user: detail.device.user, keyAaguid: null, verdicts: [], blocking: [], missing: [missing], oldestFactAt: null };
      const pc = report ? combinePc(report, answer) : { overall: 'unknown' as const, reasons: [], missing: [missing] };
      return { ...answer, snapshotAgeSeconds: null, pc };
    }
    const pc = tenantFactsOf(detail.device.deviceId, report, detail.device.keyRemembered, detail.keyChecks);
    const now = new Date(this.now());
    const answer = joinPc(pc, prepared, now);
    return {
      ...answer,
      snapshotAgeSeconds: answer.oldestFactAt === null ? null : Math.max(0, Math.round((now.getTime() - Date.parse(answer.oldestFactAt)) / 1000)),
      pc: combinePc(report, answer),
    };
  }
}
