/**
 * Row <-> Job mapping shared by the SQL backends, and the JSON helpers every backend uses
 * for payloads and progress values.
 */
import type { Job, JobState } from '../types.js';
import type { NewJob } from './types.js';

/** A `jobs` row as SQLite returns it. */
export interface JobRow {
  id: number;
  type: string;
  payload: string;
  state: JobState;
  priority: number;
  run_at: number;
  attempts: number;
  max_retries: number;
  stalls: number;
  dedupe_key: string | null;
  timeout_ms: number | null;
  manual: number;
  progress: string | null;
  last_error: string | null;
  locked_by: string | null;
  locked_until: number | null;
  cancel_requested: number;
  created_at: number;
  failed_at: number | null;
}

/** Parses a JSON column that may be NULL. */
export function parseJsonColumn(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

/** Maps a row to the public {@link Job} shape. */
export function rowToJob(row: JobRow): Job {
  return {
    id: String(row.id),
    type: row.type,
    payload: JSON.parse(row.payload),
    state: row.state,
    priority: row.priority,
    attempts: row.attempts,
    maxRetries: row.max_retries,
    stalls: row.stalls,
    runAt: row.run_at,
    createdAt: row.created_at,
    dedupeKey: row.dedupe_key,
    timeoutMs: row.timeout_ms,
    manual: row.manual === 1,
    progress: parseJsonColumn(row.progress),
    lastError: row.last_error,
    lockedBy: row.locked_by,
    lockedUntil: row.locked_until,
  };
}

/** Claim order: priority, then run time, then insertion (id). */
export function compareClaimOrder(a: Job, b: Job): number {
  return a.priority - b.priority || a.runAt - b.runAt || Number(a.id) - Number(b.id);
}

/** The job as it was just stored, before any attempt (for `job:added`, and the memory store's records). */
export function newJobView(id: string, j: NewJob, now: number): Job {
  return {
    id,
    type: j.type,
    payload: j.payload,
    state: 'pending',
    priority: j.priority,
    attempts: 0,
    maxRetries: j.maxRetries,
    stalls: 0,
    runAt: j.runAt,
    createdAt: now,
    dedupeKey: j.dedupeKey,
    timeoutMs: j.timeoutMs,
    manual: j.manual,
    progress: null,
    lastError: null,
    lockedBy: null,
    lockedUntil: null,
  };
}
