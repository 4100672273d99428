// presenceRounds cuts a presence batch so that each multi-row statement names a device at most once.
import { describe, expect, it } from 'vitest';
import { presenceRounds } from '../../../../collector/store/common/presence-rounds.ts';
import type { PresenceChange } from '../../../../collector/store/types.ts';

const at = new Date('2026-11-20T09:00:00Z');
const up = (deviceId: string): PresenceChange => ({ type: 'connected', deviceId, instanceId: 'i1', agentVersion: '0.1.0', tags: undefined, at });
const down = (deviceId: string): PresenceChange => ({ type: 'disconnected', deviceId, instanceId: 'i1', at });
const ids = (round: { connected: PresenceChange[]; disconnected: PresenceChange[] }) => ({
  connected: round.connected.map((c) => c.deviceId),
  disconnected: round.disconnected.map((c) => c.deviceId),
});

describe('presenceRounds', () => {
  it('puts a storm of distinct devices in one round', () => {
    expect(presenceRounds([up('a'), up('b'), down('c')]).map(ids)).toEqual([{ connected: ['a', 'b'], disconnected: ['c'] }]);
  });

  it('puts the n-th change of a device in round n, so applying rounds in order keeps each device’s order', () => {
    const rounds = presenceRounds([up('a'), down('a'), up('b'), up('a'), down('b')]);
    expect(rounds.map(ids)).toEqual([
      { connected: ['a', 'b'], disconnected: [] },
      { connected: [], disconnected: ['a', 'b'] },
      { connected: ['a'], disconnected: [] },
    ]);
  });

  it('has no rounds for no changes', () => {
    expect(presenceRounds([])).toEqual([]);
  });
});
