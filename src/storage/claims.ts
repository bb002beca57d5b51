/**
 * What a claim may take: the job types of the claiming queue with the limits their
 * registrations set (concurrency, per-key concurrency, rate limits), and what a claim
 * reports back. Part of the job-storage contract (types.ts).
 */

/**
 * One job type a claim may take, with the limits its registration sets. Limits count the
 * jobs running in every process sharing the storage, whoever claimed them.
 */
export interface ClaimableType {
  type: string;
  /** At most this many jobs of this type processing at once; null for no limit. */
  concurrency: number | null;
  /**
   * At most this many jobs of this type processing at once per group key; null when the
   * type is not grouped. Jobs without a key (stored while the type had no `group`) are
   * not limited per key.
   */
  groupConcurrency: number | null;
  /**
   * At most `max` jobs of this type start in any window of `durationMs`, counting the
   * starts (claims) of every process sharing the storage. Absent or null: no rate limit.
   */
  rateLimit?: RateLimit | null;
  /**
   * At most `max` jobs of one group key start in any window of `durationMs` (jobs without
   * a key are not limited per key). Absent or null: no per-key rate limit.
   */
  groupRateLimit?: RateLimit | null;
}

/**
 * A rate limit: no more than `max` job starts in any window of `durationMs` (a sliding
 * window over the recorded start times, not fixed buckets, so no burst of 2 × `max` at a
 * bucket edge). Both whole numbers of at least 1.
 */
export interface RateLimit {
  max: number;
  durationMs: number;
}

/**
 * What a claim reports besides its jobs, when the caller passes one to fill in. Backends
 * set `nextSlotAt` when a rate limit held back jobs (or filled during the claim): the
 * earliest moment (epoch ms, on the caller's clock) a slot opens again, so that workers
 * sleep until then instead of polling. Left null when no rate limit held anything back.
 */
export interface ClaimReport {
  nextSlotAt: number | null;
}

/**
 * Which jobs a claim may take: only jobs of these types, within their limits, and none of
 * a paused type or of a paused queue (the storage reads the pauses inside the claim).
 * Jobs of any other type are never claimed, and a backend must not walk over them: each
 * type is looked up on its own (one index seek per type on SQLite).
 */
export interface ClaimFilter {
  types: readonly ClaimableType[];
}
