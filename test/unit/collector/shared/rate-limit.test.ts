import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../../collector/shared/rate-limit.ts';
import { AdmissionControl } from '../../../../collector/server/admission.ts';

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
  it('sheds beyond the handshake cap until one authenticates, and beyond the connection cap', () => {
    const admission = new AdmissionControl({ maxConnections: 3, maxHandshakes: 2 });
    const a = admission.admit();
    const b = admission.admit();
    const shed = admission.admit();
    expect(a.ok && b.ok).toBe(true);
    expect(shed.ok).toBe(false);
    if (!shed.ok) expect(shed.retryAfterMs).toBeGreaterThan(0);
    if (!a.ok || !b.ok) throw new Error('unreachable');
    a.authenticated();
    a.authenticated(); // idempotent
    expect(admission.handshakes).toBe(1);
    const c = admission.admit();
    expect(c.ok).toBe(true);
    expect(admission.admit().ok).toBe(false); // 3 connections open
    b.release();
    b.release(); // idempotent
    expect(admission.connections).toBe(2);
    expect(admission.handshakes).toBe(1);
    a.release();
    expect(admission.connections).toBe(1);
  });
});
