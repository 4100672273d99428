// The tenant join for the whole fleet, stored per PC: after each new snapshot every PC is judged again,
// in between only PCs whose report changed. What it stores (the PC's tenant answer, its blockers and
// the layers they hold back, whether its key is registered) feeds the users view and the overview's
// blocking chart without joining anything at request time. Runs in the collector holding the poller's
// lease, so several collectors on one database do not judge the same fleet twice.
import { TENANT_LEVEL_LAYER } from '../../protocol/api.ts';
import { TenantPcFacts, type TenantAnswer } from '../../protocol/tenant.ts';
import { parseKeyChecks } from '../store/common/columns.ts';
import { restoreReport } from '../store/common/report-body.ts';
import { judgementChanged, layerMask } from '../store/common/users.ts';
import type { JudgeInput, Store, TenantJudgement } from '../store/types.ts';
import type { CurrentSnapshot } from './device-view.ts';
import { joinPc, type PreparedSnapshot } from './join.ts';
import { tenantFactsOf } from '../../protocol/tenant-facts.ts';

/** PCs read and written per store call: bounded memory, and the event loop breathes between pages. */
const PAGE = 500;

const NOT_REGISTERED = new Set(['no-security-key-registered', 'plugged-key-not-registered']);

/** What the join's answer stores for a PC (pure). */
export function judgementOf(input: Pick<JudgeInput, 'deviceId' | 'reportHash'>, answer: TenantAnswer, hasKey: boolean): TenantJudgement {
  const layers = answer.verdicts.filter((v) => v.status === 'blocker').flatMap((v) => TENANT_LEVEL_LAYER[v.level] ?? []);
  const keyRegistered = answer.verdicts.some((v) => NOT_REGISTERED.has(v.id))
    ? false
    : hasKey && answer.user !== null && answer.overall !== 'unknown' ? true : null;
  return { deviceId: input.deviceId, reportHash: input.reportHash, overall: answer.overall, blocking: answer.blocking, layers: layerMask(layers), keyRegistered };
}

export function judgePc(input: JudgeInput, prepared: PreparedSnapshot, now: Date): TenantJudgement {
  const pc = factsOf(input);
  return judgementOf(input, joinPc(pc, prepared, now), pc.key !== null);
}

/** The PC's stored facts, or (a row stored before they were) the same taken from its report. */
function factsOf(input: JudgeInput): TenantPcFacts {
  if (input.facts !== null) return TenantPcFacts.parse(JSON.parse(input.facts));
  if (input.reportBody === null) throw new Error(`device ${input.deviceId} has neither tenant facts nor a report`);
  return tenantFactsOf(input.deviceId, restoreReport(input.reportBody, input.generatedAt), input.keyRemembered, parseKeyChecks(input.keyChecks));
}

export class TenantJudge {
  private judgedStamp: string | null = null;

  constructor(
    private readonly store: Store,
    private readonly snapshot: () => Promise<CurrentSnapshot>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** One pass: every PC when the snapshot changed since the last full pass, else the changed ones. Returns the ids of the PCs written. */
  async pass(): Promise<string[]> {
    const { prepared, stamp } = await this.snapshot();
    if (!prepared) return [];
    const full = stamp !== this.judgedStamp;
    let after = '';
    const written: string[] = [];
    for (;;) {
      const inputs = await this.store.tenantJudgeInputs(after, !full, PAGE);
      const now = this.now();
      const changed = inputs.map((input) => ({ input, judgement: judgePc(input, prepared, now) })).filter((x) => judgementChanged(x.input, x.judgement));
      await this.store.putTenantJudgements(changed.map((x) => x.judgement));
      written.push(...changed.map((x) => x.input.deviceId));
      const last = inputs.at(-1);
      if (!last || inputs.length < PAGE) break;
      after = last.deviceId;
    }
    if (full) this.judgedStamp = stamp;
    return written;
  }
}
