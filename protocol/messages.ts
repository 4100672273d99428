// Wire messages of the `keyready.v1` WebSocket subprotocol (see protocol/README.md for the
// conversation, close codes and limits). Every message in either direction is parsed by these schemas.
import * as z from 'zod';
import { Report } from './report.ts';

export const SUBPROTOCOL = 'keyready.v1';
/** A report with a dozen checks and a few keys is ~10-20 KiB of JSON; anything far larger is abuse. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * How far a report's seq may run ahead of the newest the collector holds for its device. An agent
 * numbers one report after another (years of hourly checks stay far below); a seq near 2^53 would
 * leave no room for any later report, so a larger jump is refused (`bad-message`) and not stored.
 */
export const MAX_SEQ_JUMP = 1_000_000;

export const HardwareIdentity = z.object({
  uuid: z.string().max(128).nullable(),
  serial: z.string().max(128).nullable(),
  manufacturer: z.string().max(256).nullable(),
  model: z.string().max(256).nullable(),
});
export type HardwareIdentity = z.infer<typeof HardwareIdentity>;

const Tags = z.record(z.string().max(64), z.string().max(256));

// agent -> collector
export const EnrollMessage = z.object({
  type: z.literal('enroll'),
  secret: z.string().min(1).max(512),
  hostname: z.string().min(1).max(256),
  hardware: HardwareIdentity,
  agentVersion: z.string().max(64),
  tags: Tags.optional(),
});
export const HelloMessage = z.object({
  type: z.literal('hello'),
  deviceId: z.string().min(1).max(64),
  token: z.string().min(1).max(512),
  agentVersion: z.string().max(64),
  tags: Tags.optional(),
});
export const ReportMessage = z.object({
  type: z.literal('report'),
  /** Per-device, strictly increasing; the collector stores each sequence once. */
  seq: z.number().int().nonnegative(),
  /** Reports the agent's outbox dropped (oldest first) since the previous report, never reset. */
  dropped: z.number().int().nonnegative().default(0),
  /** Set when this report answers a collector recheck. */
  requestId: z.string().max(64).optional(),
  /**
   * The PC's clock when it sent this message (ISO 8601), which may be days off. The collector reads
   * the times inside the report through the offset it shows; absent from agents before it.
   */
  clock: z.iso.datetime({ offset: true }).optional(),
  report: Report,
});
export const AgentMessage = z.discriminatedUnion('type', [EnrollMessage, HelloMessage, ReportMessage]);
export type AgentMessage = z.infer<typeof AgentMessage>;
export type EnrollMessage = z.infer<typeof EnrollMessage>;
export type HelloMessage = z.infer<typeof HelloMessage>;
export type ReportMessage = z.infer<typeof ReportMessage>;

// collector -> agent
export const EnrolledMessage = z.object({
  type: z.literal('enrolled'),
  deviceId: z.string(),
  token: z.string(),
});
export const WelcomeMessage = z.object({
  type: z.literal('welcome'),
  deviceId: z.string(),
  /** Highest sequence durably stored for this device (-1: none); the agent may drop older outbox entries. */
  lastSeq: z.number().int(),
  /** How often an unchanged state should still be re-sent, at most (liveness comes from pings). */
  resendIntervalMs: z.number().int().positive(),
});
export const AckMessage = z.object({
  type: z.literal('ack'),
  seq: z.number().int().nonnegative(),
});
export const RecheckMessage = z.object({
  type: z.literal('recheck'),
  requestId: z.string(),
});
export const ERROR_CODES = [
  'bad-message',
  'unauthorized',
  'enroll-denied',
  'not-hello',
  'rate-limited',
  'overloaded',
  'stale-seq',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
export const ErrorMessage = z.object({
  type: z.literal('error'),
  code: z.enum(ERROR_CODES),
  message: z.string(),
  /** When set, the agent must not reconnect sooner than this. */
  retryAfterMs: z.number().int().nonnegative().optional(),
});
export const CollectorMessage = z.discriminatedUnion('type', [
  EnrolledMessage,
  WelcomeMessage,
  AckMessage,
  RecheckMessage,
  ErrorMessage,
]);
export type CollectorMessage = z.infer<typeof CollectorMessage>;
export type WelcomeMessage = z.infer<typeof WelcomeMessage>;
export type ErrorMessage = z.infer<typeof ErrorMessage>;

/** WebSocket close codes the collector uses (4000-4999 are application codes). */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  tooBig: 1009,
  internal: 1011,
  badMessage: 4000,
  unauthorized: 4001,
  enrollDenied: 4003,
  notHello: 4004,
  superseded: 4009,
  rateLimited: 4029,
  overloaded: 4503,
} as const;
