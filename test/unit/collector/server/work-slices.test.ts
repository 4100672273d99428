// The agents' work slices (collector/server/work-slices.ts), turned by hand: the test plays the event
// loop, running each deferred slice when it says, on a clock that each task moves.
import { describe, expect, it } from 'vitest';
import { WorkSlices } from '../../../../collector/server/work-slices.ts';

function slices(budgetMs: number, taskMs: number) {
  let clock = 0;
  const turns: (() => void)[] = [];
  const work = new WorkSlices({ budgetMs, now: () => clock, defer: (slice) => turns.push(slice) });
  const ran: number[] = [];
  const task = (n: number) => () => {
    clock += taskMs;
    ran.push(n);
  };
  /** One event-loop turn's slice; false when none was scheduled. */
  const turn = (): boolean => {
    const slice = turns.shift();
    slice?.();
    return slice !== undefined;
  };
  return { work, ran, task, turn, turns };
}

describe('agent work slices', () => {
  it('runs tasks in order, only as many a turn as the budget allows, the rest in later turns', () => {
    const { work, ran, task, turn } = slices(5, 2);
    for (let n = 0; n < 7; n += 1) work.push(task(n));
    expect(ran).toEqual([]);
    expect(work.waiting).toBe(7);

    // A slice stops once its budget is spent: 2 + 2 + 2 ms is past 5 ms.
    expect(turn()).toBe(true);
    expect(ran).toEqual([0, 1, 2]);
    expect(turn()).toBe(true);
    expect(ran).toEqual([0, 1, 2, 3, 4, 5]);
    expect(turn()).toBe(true);
    expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(work.waiting).toBe(0);
    expect(turn()).toBe(false);
  });

  it('always runs at least one task a slice, however long it takes', () => {
    const { work, ran, task, turn } = slices(5, 50);
    work.push(task(0));
    work.push(task(1));
    turn();
    expect(ran).toEqual([0]);
    turn();
    expect(ran).toEqual([0, 1]);
  });

  it('queues work pushed during a slice after the work already waiting, and schedules one slice at a time', () => {
    const { work, ran, task, turn, turns } = slices(100, 1);
    work.push(() => {
      ran.push(0);
      work.push(task(2));
    });
    work.push(task(1));
    expect(turns).toHaveLength(1);
    turn();
    expect(ran).toEqual([0, 1, 2]);
    expect(turns).toHaveLength(0);
  });

  it('leaves the other tasks queued when one throws', () => {
    const { work, ran, task, turn } = slices(100, 1);
    work.push(task(0));
    work.push(() => {
      throw new Error('a handler failed');
    });
    work.push(task(2));
    expect(() => turn()).toThrow('a handler failed');
    expect(ran).toEqual([0]);
    turn();
    expect(ran).toEqual([0, 2]);
  });

  it('runs each of a long queue once, in order, across many slices', () => {
    const { work, ran, task, turn } = slices(5, 1);
    const count = 10_000;
    for (let n = 0; n < count; n += 1) work.push(task(n));
    let turns = 0;
    while (turn()) turns += 1;
    expect(ran).toEqual(Array.from({ length: count }, (_, n) => n));
    expect(turns).toBe(count / 5);
  });
});
