/**
 * A fixed ring of time buckets (one per interval, e.g. per minute) holding counts and one
 * depth sample each. Pure: every call says what time it is, so it never reads a clock and
 * its memory never grows past `size` buckets.
 */

/** Jobs stored in each state, all types together (as `getStats()` counts them). */
export interface QueueDepthTotals {
  pending: number;
  delayed: number;
  processing: number;
  failed: number;
}

/** One interval of the history. */
export interface HistoryBucket {
  /** Start of the interval, epoch milliseconds (a multiple of the interval). */
  start: number;
  /** Jobs this process completed in the interval. */
  completed: number;
  /** Jobs that failed for good in this process in the interval. */
  failed: number;
  /** The queue's depth sampled in the interval, or null when no sample was taken. */
  depth: QueueDepthTotals | null;
}

/** The counters of a bucket. */
export type HistoryCounter = 'completed' | 'failed';

/** A ring of `size` buckets of `intervalMs` each. */
export class HistoryBuckets {
  readonly intervalMs: number;
  readonly size: number;
  readonly #slots: (HistoryBucket | undefined)[];

  constructor(intervalMs: number, size: number) {
    this.intervalMs = intervalMs;
    this.size = size;
    this.#slots = new Array<HistoryBucket | undefined>(size);
  }

  /** Start of the interval holding `at`. */
  startOf(at: number): number {
    return Math.floor(at / this.intervalMs) * this.intervalMs;
  }

  /** Adds one to `counter` in the bucket of `at`. */
  count(counter: HistoryCounter, at: number): void {
    const bucket = this.#bucket(at);
    if (bucket) bucket[counter]++;
  }

  /** Stores a depth sample in the bucket of `at` (a later sample replaces an earlier one). */
  setDepth(depth: QueueDepthTotals, at: number): void {
    const bucket = this.#bucket(at);
    if (bucket) bucket.depth = { ...depth };
  }

  /**
   * The buckets from the one holding `from` (or, when that is older, the oldest the ring
   * keeps) to the one holding `now`, oldest first and without gaps: an interval nothing
   * happened in reads 0 with a null depth. Copies: the caller may keep or change them.
   */
  list(from: number, now: number): HistoryBucket[] {
    const last = this.startOf(now);
    const first = Math.max(this.startOf(from), last - (this.size - 1) * this.intervalMs);
    const out: HistoryBucket[] = [];
    for (let start = first; start <= last; start += this.intervalMs) {
      const slot = this.#slots[this.#index(start)];
      out.push(
        slot?.start === start ? { ...slot, depth: slot.depth && { ...slot.depth } } : { start, completed: 0, failed: 0, depth: null },
      );
    }
    return out;
  }

  #index(start: number): number {
    const i = (start / this.intervalMs) % this.size;
    return i < 0 ? i + this.size : i;
  }

  /** The bucket of `at`, reusing the slot of the interval `size` intervals earlier. */
  #bucket(at: number): HistoryBucket | null {
    const start = this.startOf(at);
    const i = this.#index(start);
    const slot = this.#slots[i];
    if (slot?.start === start) return slot;
    // A time older than the slot's bucket (the clock was set back) would wipe newer
    // counts: it is dropped instead.
    if (slot && slot.start > start) return null;
    const fresh: HistoryBucket = { start, completed: 0, failed: 0, depth: null };
    this.#slots[i] = fresh;
    return fresh;
  }
}
