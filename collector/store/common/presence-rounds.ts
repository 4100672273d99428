// Presence batches for engines that write many rows per statement: a multi-row UPDATE touches each
// row once, so a batch naming a device twice (connected, then disconnected) is cut into rounds.
import type { PresenceChange } from '../types.ts';

type Connected = Extract<PresenceChange, { type: 'connected' }>;
type Disconnected = Extract<PresenceChange, { type: 'disconnected' }>;

export interface PresenceRound {
  connected: Connected[];
  disconnected: Disconnected[];
}

/**
 * The n-th change of each device goes to round n: each round names a device at most once, and
 * applying the rounds in order applies every device's changes in their order. A storm's batch is
 * one round.
 */
export function presenceRounds(changes: readonly PresenceChange[]): PresenceRound[] {
  const seen = new Map<string, number>();
  const rounds: PresenceRound[] = [];
  for (const change of changes) {
    const n = seen.get(change.deviceId) ?? 0;
    seen.set(change.deviceId, n + 1);
    const round = (rounds[n] ??= { connected: [], disconnected: [] });
    if (change.type === 'connected') round.connected.push(change);
    else round.disconnected.push(change);
  }
  return rounds;
}
