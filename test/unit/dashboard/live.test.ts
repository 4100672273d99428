import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coalesce } from '../../../dashboard/src/live.ts';

describe('live refetch coalescing', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('turns a burst of live events into one refetch, started within the wait of the first event', () => {
    const task = vi.fn();
    const refresh = coalesce(task, 500);
    for (let i = 0; i < 200; i++) refresh.trigger();
    vi.advanceTimersByTime(499);
    expect(task).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(task).toHaveBeenCalledTimes(1);
    // Events after the refetch started get their own.
    refresh.trigger();
    vi.advanceTimersByTime(500);
    expect(task).toHaveBeenCalledTimes(2);
  });

  it('does nothing once cancelled (the view went away)', () => {
    const task = vi.fn();
    const refresh = coalesce(task, 300);
    refresh.trigger();
    refresh.cancel();
    vi.advanceTimersByTime(1_000);
    expect(task).not.toHaveBeenCalled();
  });
});
