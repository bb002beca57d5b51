/** The ring of history buckets, with the time given explicitly (it reads no clock). */
import { describe, expect, it } from 'vitest';
import { HistoryBuckets } from '../../src/metrics/historyBuckets.js';

const MIN = 60_000;
const T0 = 1_800_000_000_000; // a whole minute
const depth = (pending: number) => ({ pending, delayed: 0, processing: 0, failed: 0 });

describe('HistoryBuckets', () => {
  it('counts into the interval of the time given and lists every interval, gaps as zeros', () => {
    const ring = new HistoryBuckets(MIN, 60);
    ring.count('completed', T0 + 1);
    ring.count('completed', T0 + MIN - 1);
    ring.count('failed', T0 + 2 * MIN + 5);
    ring.setDepth(depth(4), T0 + 10);
    expect(ring.list(T0, T0 + 2 * MIN + 30_000)).toEqual([
      { start: T0, completed: 2, failed: 0, depth: depth(4) },
      { start: T0 + MIN, completed: 0, failed: 0, depth: null },
      { start: T0 + 2 * MIN, completed: 0, failed: 1, depth: null },
    ]);
  });

  it('keeps `size` intervals: after 90 minutes the list holds the last 60, the old counts gone', () => {
    const ring = new HistoryBuckets(MIN, 60);
    for (let m = 0; m < 90; m++) {
      for (let k = 0; k <= m % 3; k++) ring.count('completed', T0 + m * MIN + k);
      ring.setDepth(depth(m), T0 + m * MIN);
    }
    const list = ring.list(T0, T0 + 89 * MIN + 1);
    expect(list).toHaveLength(60);
    expect(list[0]!.start).toBe(T0 + 30 * MIN);
    expect(list.at(-1)!.start).toBe(T0 + 89 * MIN);
    expect(list.map((b) => b.completed)).toEqual(Array.from({ length: 60 }, (_, i) => ((30 + i) % 3) + 1));
    expect(list.map((b) => b.depth?.pending)).toEqual(Array.from({ length: 60 }, (_, i) => 30 + i));
    // Slots reused for a new interval start from zero, not from the counts of an hour ago.
    ring.count('failed', T0 + 150 * MIN);
    const later = ring.list(T0, T0 + 150 * MIN);
    expect(later).toHaveLength(60);
    expect(later.reduce((n, b) => n + b.completed + b.failed, 0)).toBe(1);
    expect(later.filter((b) => b.depth !== null)).toEqual([]);
  });

  it('begins at `from`: intervals before recording started are not listed', () => {
    const ring = new HistoryBuckets(MIN, 60);
    expect(ring.list(T0 + 5 * MIN + 7, T0 + 5 * MIN + 9)).toEqual([{ start: T0 + 5 * MIN, completed: 0, failed: 0, depth: null }]);
  });

  it('a later depth sample of the same interval replaces the earlier one; the list hands out copies', () => {
    const ring = new HistoryBuckets(MIN, 60);
    ring.setDepth(depth(1), T0);
    ring.setDepth(depth(2), T0 + 30_000);
    const [first] = ring.list(T0, T0);
    expect(first!.depth).toEqual(depth(2));
    first!.depth!.pending = 99;
    first!.completed = 99;
    expect(ring.list(T0, T0)[0]).toEqual({ start: T0, completed: 0, failed: 0, depth: depth(2) });
  });

  it("a time from before a slot's interval (the clock set back) is dropped instead of wiping newer counts", () => {
    const ring = new HistoryBuckets(MIN, 3);
    ring.count('completed', T0 + 3 * MIN); // slot of T0 + 3 min, shared with T0
    ring.count('completed', T0); // three intervals older, same slot
    expect(ring.list(T0 + 3 * MIN, T0 + 3 * MIN)).toEqual([{ start: T0 + 3 * MIN, completed: 1, failed: 0, depth: null }]);
  });
});
