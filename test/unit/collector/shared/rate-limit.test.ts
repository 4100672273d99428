import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../../collector/shared/rate-limit.ts';
import { AdmissionControl, type Admission, type AdmissionTicket } from '../../../../collector/server/admission.ts';

describe('RateLimiter', () => {
  it('allows the burst, then refuses with the time until the next token', () => {
    const limiter = new RateLimiter({ burst: 3, ratePerSec: 2 });
    const t = 1_000_000;
    expect([1, 2, 3].map(() => limiter.take('10.0.0.1', t).ok)).toEqual([true, true, true]);
    expect(limiter.take('10.0.0.1', t)).toEqual({ ok: false, retryAfterMs: 500 });
    // Another address has its own bucket.
    expect(limiter.take('10.0.0.2', t).ok).toBe(true);
    // Half a second refills one token at 2/s.
    expect(limiter.take('10.0.0.1', t + 500).ok).toBe(true);
    expect(limiter.take('10.0.0.1', t + 500).ok).toBe(false);
  });

  it('peek does not spend a token', () => {
    const limiter = new RateLimiter({ burst: 1, ratePerSec: 1 });
    expect(limiter.peek('a', 0).ok).toBe(true);
    expect(limiter.peek('a', 0).ok).toBe(true);
    expect(limiter.take('a', 0).ok).toBe(true);
    expect(limiter.peek('a', 0)).toEqual({ ok: false, retryAfterMs: 1000 });
  });

  it('forgets the least recently used address beyond maxKeys (memory stays bounded)', () => {
    const limiter = new RateLimiter({ burst: 1, ratePerSec: 0.001, maxKeys: 2 });
    limiter.take('a', 0);
    limiter.take('b', 0);
    limiter.take('c', 0); // evicts a
    expect(limiter.take('a', 0).ok).toBe(true);
    expect(limiter.take('c', 0).ok).toBe(false);
  });
});

describe('AdmissionControl', () => {
  const ticketOf = (admission: Admission): AdmissionTicket => {
    if (!admission.ok) throw new Error(`not admitted: ${admission.reason}`);
    return admission.ticket;
  };

  it('keeps authenticated agents apart: strangers in the pre-auth pool never take their capacity', () => {
    const admission = new AdmissionControl({ maxConnections: 2, maxHandshakes: 2, maxHandshakesPerAddress: 10 });
    const agents = [ticketOf(admission.admit('10.0.0.1', () => {})), ticketOf(admission.admit('10.0.0.2', () => {}))];
    for (const agent of agents) {
      agent.spoke();
      expect(agent.authenticated()).toBe(true);
      expect(agent.authenticated()).toBe(true); // idempotent
    }
    expect(admission.handshakes).toBe(0);
    // The authenticated pool is full: a newcomer is shed before it costs a lookup.
    const full = admission.admit('10.0.0.3', () => {});
    expect(full).toMatchObject({ ok: false, reason: 'overloaded' });
    agents[0]!.release();
    agents[0]!.release(); // idempotent
    expect(admission.connections).toBe(1);
    expect(admission.admit('10.0.0.3', () => {}).ok).toBe(true);
  });

  it('evicts the oldest idle pre-auth socket for a newcomer, and sheds only when every one is busy', () => {
    const admission = new AdmissionControl({ maxConnections: 100, maxHandshakes: 3, maxHandshakesPerAddress: 10 });
    const evicted: string[] = [];
    const idle = ['a', 'b'].map((name) => ticketOf(admission.admit(`10.0.0.${name === 'a' ? 1 : 2}`, () => evicted.push(name))));
    const busy = ticketOf(admission.admit('10.0.0.3', () => evicted.push('busy')));
    busy.spoke();
    const agent = ticketOf(admission.admit('10.0.0.4', () => evicted.push('agent')));
    expect(evicted).toEqual(['a']);
    agent.spoke();
    expect(agent.authenticated()).toBe(true);
    idle[0]!.release(); // the evicted socket's close handler: changes nothing more
    expect(admission.handshakes).toBe(2);
    ticketOf(admission.admit('10.0.0.5', () => evicted.push('c'))).spoke();
    ticketOf(admission.admit('10.0.0.6', () => evicted.push('d'))).spoke();
    expect(evicted).toEqual(['a', 'b']);
    // Every pre-auth socket is being checked: now, and only now, a newcomer is shed.
    expect(admission.admit('10.0.0.7', () => {})).toMatchObject({ ok: false, reason: 'overloaded' });
  });

  it('counts idle pre-auth sockets as room (a newcomer would evict them) and says when busy ones leave', () => {
    let made = 0;
    const admission = new AdmissionControl({ maxConnections: 100, maxHandshakes: 3, maxHandshakesPerAddress: 10 }, () => (made += 1));
    const idle = ticketOf(admission.admit('10.0.0.1', () => {}));
    const checking = [ticketOf(admission.admit('10.0.0.2', () => {})), ticketOf(admission.admit('10.0.0.3', () => {}))];
    expect(admission.room).toBe(3);
    for (const ticket of checking) ticket.spoke();
    checking[0]!.spoke(); // twice: still one busy socket
    expect(admission.room).toBe(1);
    expect(made).toBe(0);
    expect(checking[0]!.authenticated()).toBe(true);
    checking[1]!.release();
    expect(admission.room).toBe(3);
    idle.release();
    expect(made).toBe(3);
    checking[1]!.release(); // idempotent: no second notice
    expect(made).toBe(3);
  });

  it('caps pre-auth sockets per address: that address\'s own idle sockets make room first', () => {
    const admission = new AdmissionControl({ maxConnections: 100, maxHandshakes: 100, maxHandshakesPerAddress: 2 });
    const evicted: number[] = [];
    ticketOf(admission.admit('10.0.0.9', () => evicted.push(1)));
    ticketOf(admission.admit('10.0.0.9', () => evicted.push(2))).spoke();
    ticketOf(admission.admit('10.0.0.1', () => evicted.push(99)));
    ticketOf(admission.admit('10.0.0.9', () => evicted.push(3))).spoke();
    expect(evicted).toEqual([1]);
    expect(admission.admit('10.0.0.9', () => {})).toMatchObject({ ok: false, reason: 'address-busy' });
    expect(admission.admit('10.0.0.2', () => {}).ok).toBe(true);
  });
});
