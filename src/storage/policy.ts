/**
 * Rules every job storage applies the same way, written once: when a stalled job fails
 * instead of going back to pending (and what it says), how a list query's page is
 * clamped, and the error of a retry whose dedupe key a live job holds. The Redis
 * backend's Lua scripts apply the stall verdict inside Redis; they use the same words
 * (`STALL_REASONS`), which the conformance suite checks on every backend.
 */
import { ValidationError } from '../errors.js';
import type { JobListQuery } from './types.js';

/** `list()` page size when the query gives none. */
export const DEFAULT_LIST_LIMIT = 50;
/** The largest page `list()` returns, whatever the query asks. */
export const MAX_LIST_LIMIT = 1000;

/** The page of a list query: whole numbers, limit within 0..MAX_LIST_LIMIT, offset >= 0. */
export function listWindow(query: Pick<JobListQuery, 'limit' | 'offset'>): { limit: number; offset: number } {
  return {
    limit: Math.min(Math.max(0, Math.floor(query.limit ?? DEFAULT_LIST_LIMIT)), MAX_LIST_LIMIT),
    offset: Math.max(0, Math.floor(query.offset ?? 0)),
  };
}

/** The `lastError` of a job failed by the stalled sweep. */
export const STALL_REASONS = {
  outOfStalls: (stalls: number): string => `stalled ${stalls} time(s): its worker stopped renewing the lease (process died?)`,
  lastAttempt: 'stalled on its last attempt',
} as const;

/** What the stalled sweep does with one job whose lease ran out. */
export interface StallVerdict {
  /** The job's stall count with this stall. */
  stalls: number;
  /** Fail it (true) or put it back to pending (false). */
  fail: boolean;
  /** Its `lastError` when it fails. */
  why: string;
}

/**
 * A stall counts as an attempt: the job fails when it has stalled more than `maxStalls`
 * times, when this was its last attempt, or when a cancel was requested meanwhile.
 */
export function stallVerdict(
  job: { stalls: number; attempts: number; maxRetries: number; cancelRequested: boolean },
  maxStalls: number,
): StallVerdict {
  const stalls = job.stalls + 1;
  const outOfStalls = stalls > maxStalls;
  const fail = outOfStalls || job.attempts > job.maxRetries || job.cancelRequested;
  return { stalls, fail, why: outOfStalls ? STALL_REASONS.outOfStalls(stalls) : STALL_REASONS.lastAttempt };
}

/** The error of `retry(id)` when a pending or running job holds the job's dedupe key. */
export function dedupeRetryError(id: string): ValidationError {
  return new ValidationError(`Job ${id} cannot be retried: a live job already holds its dedupe key`, [
    { path: 'dedupeKey', message: 'already used by a pending or running job' },
  ]);
}
