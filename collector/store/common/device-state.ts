// A device row as the store's planning code sees it: read before a batch (DeviceState) and written
// back after it (DeviceUpdate). A leaf module, so the row mapping (columns.ts) and the batch planner
// (ingest.ts) can both use these types without importing each other.
import * as z from 'zod';
import { CHECK_IDS, CHECK_STATUSES, type CheckId, type CheckStatus } from '../../../protocol/checks.ts';
import type { CheckResult, Layers, Readiness } from '../../../protocol/report.ts';

export type CheckStates = Partial<Record<CheckId, CheckStatus>>;
export const CheckStates = z.partialRecord(z.enum(CHECK_IDS), z.enum(CHECK_STATUSES));

/** The part of a device row a report can change, as read before the batch. */
export interface DeviceState {
  id: string;
  lastSeq: number;
  lastSeen: number;
  readiness: Readiness;
  checks: CheckStates;
  user: string | null;
  keyModel: string | null;
  keyFingerprintEnrolled: boolean | null;
  keyPinSet: boolean | null;
  keySeenAt: number | null;
  /** The key checks of the last report that could judge the key (protocol/README.md, "The fleet"); null before one. */
  keyChecks: CheckResult[] | null;
  /** Identity of the stored report body (the report minus its generatedAt); null before the first. */
  reportHash: string | null;
}

/** What every stored report moves, even one that repeats the stored state (VOLATILE_COLUMNS). */
export type VolatileValues = Pick<DeviceUpdate, 'lastSeq' | 'lastSeen' | 'lastReport' | 'keySeenAt' | 'dropped' | 'generatedAt'>;

/**
 * A device that only sent the stored state again, as planned without judging the report a second
 * time: the state read before the batch with its volatile values moved, and no body to write.
 */
export type ResentState = DeviceState & VolatileValues & { body: null };

/** The device row after the batch, written in one statement per device (or one for all). */
export interface DeviceUpdate extends DeviceState {
  lastReport: number;
  hostname: string;
  agentVersion: string;
  blockingMask: number;
  failingMask: number;
  unknownMask: number;
  layers: Layers;
  keyRemembered: boolean;
  osBuild: number | null;
  joinType: string | null;
  search: string;
  readinessCode: number;
  dropped: number;
  /** The report's facts the tenant join needs (TenantPcFacts as JSON), so the judge reads no report body. */
  tenantInput: string;
  /** The newest report's generatedAt, verbatim: with the body it gives back the exact report. */
  generatedAt: string;
  /**
   * The report body to store, or null when it equals the stored one. Most reports repeat the PC's
   * state (periodic resends): every state column derives from the body, so only the volatile ones
   * (VOLATILE_COLUMNS) need writing, not the indexed columns nor a 5 KB body.
   */
  body: string | null;
}
