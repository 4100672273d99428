// Every agent message type the collector accepts, mutated 12,000 times from valid ones (seeded: a
// failure names its seed): the parser never throws, accepts only what its schema accepts, and says
// why it refuses in one bounded line.
import { describe, expect, it } from 'vitest';
import { parseAgentMessage } from '../../../../collector/server/parse-message.ts';
import { AgentMessage } from '../../../../protocol/messages.ts';
import { makeReport } from '../../../../sim/fleet/reports.ts';
import { prng } from '../../../../sim/prng.ts';
import { mutateText, mutateValue } from '../../../support/json-fuzz.ts';

const VALID = {
  enroll: { type: 'enroll', secret: 'fleet-secret-0123456789', hostname: 'PC-1', hardware: { uuid: 'u-1', serial: 's', manufacturer: 'LENOVO', model: '21HD' }, agentVersion: '0.1.0', tags: { site: 'Osaka' } },
  hello: { type: 'hello', deviceId: 'd-1', token: 't'.repeat(43), agentVersion: '0.1.0', tags: { site: 'Osaka' } },
  report: { type: 'report', seq: 7, dropped: 0, requestId: 'r-1', clock: '2026-12-01T08:00:00.000Z', report: makeReport() },
};

describe('agent message fuzzing', () => {
  for (const [type, valid] of Object.entries(VALID)) {
    it(`${type}: 4,000 mutated messages, each parsed or refused with a reason, never a throw`, () => {
      expect(parseAgentMessage(JSON.stringify(valid), false).ok).toBe(true);
      const base = JSON.parse(JSON.stringify(valid)) as Parameters<typeof mutateValue>[0];
      let refused = 0;
      for (let seed = 1; seed <= 4_000; seed += 1) {
        const random = prng(seed);
        const text = seed % 5 === 0 ? mutateText(JSON.stringify(base), random) : JSON.stringify(mutateValue(base, random));
        let parsed: ReturnType<typeof parseAgentMessage>;
        try {
          parsed = parseAgentMessage(Buffer.from(text ?? 'undefined'), seed % 97 === 0);
        } catch (error) {
          throw new Error(`${type} seed ${seed} threw: ${String(error)}`);
        }
        if (parsed.ok) {
          // Accepted only what the protocol's own schema accepts.
          expect(AgentMessage.safeParse(parsed.message).success, `${type} seed ${seed}`).toBe(true);
        } else {
          refused += 1;
          expect(parsed.reason.length, `${type} seed ${seed}`).toBeGreaterThan(0);
          expect(parsed.reason.length, `${type} seed ${seed}: ${parsed.reason.slice(0, 80)}`).toBeLessThan(600);
        }
      }
      expect(refused).toBeGreaterThan(2_000);
    });
  }
});
