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
  group_key: string | null;
  timeout_ms: number | null;
  manual: number;
  progress: string | null;
  last_error: string | null;
  locked_by: string | null;
  locked_until: number | null;
  cancel_requested: number;
  created_at: number;
  failed_at: number | null;
  /** Producer trace context as JSON, or NULL. */
  trace: string | null;
}

/** Parses a JSON column that may be NULL. */
export function parseJsonColumn(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Parses a stored trace carrier; an unreadable one is dropped (a trace is a courtesy
 * to the operator: it must never keep a job from running).
 */
export function parseTrace(text: string): Record<string, string> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
    return out;
  } catch {
    return undefined;
  }
}

/** Adds `trace` to a job being built when the row has one (absent otherwise, as on every job without). */
export function withTrace(job: Mutable<Job>, text: string | null | undefined): Job {
  if (text !== null && text !== undefined) {
    const trace = parseTrace(text);
    if (trace) job.trace = trace;
  }
  return job;
}

/** Maps a row to the public {@link Job} shape. */
export function rowToJob(row: JobRow): Job {
  return withTrace(
    {
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
      groupKey: row.group_key,
      timeoutMs: row.timeout_ms,
      manual: row.manual === 1,
      progress: parseJsonColumn(row.progress),
      lastError: row.last_error,
      lockedBy: row.locked_by,
      lockedUntil: row.locked_until,
    },
    row.trace,
  );
}

/**
 * The columns a claim returns, in this order. A claimed row's state and lease are known
 * to the claimer, and its cancel flag and failure time are unset, so they are not read
 * back: every returned column costs SQLite and the binding a little, on every job.
 */
export const CLAIM_COLUMNS =
  'id, type, payload, priority, run_at, attempts, max_retries, stalls, dedupe_key, timeout_ms, manual, progress, last_error, created_at, group_key, trace';

/** A claimed row as {@link CLAIM_COLUMNS} returns it in raw (array) mode. */
export type ClaimedRow = [
  id: number,
  type: string,
  payload: string,
  priority: number,
  runAt: number,
  attempts: number,
  maxRetries: number,
  stalls: number,
  dedupeKey: string | null,
  timeoutMs: number | null,
  manual: number,
  progress: string | null,
  lastError: string | null,
  createdAt: number,
  groupKey: string | null,
  trace: string | null,
];

/** Maps a claimed row to the {@link Job} its claimer now holds. */
export function claimedRowToJob(r: ClaimedRow, lockedBy: string, lockedUntil: number): Job {
  const job: Mutable<Job> = {
    id: String(r[0]),
    type: r[1],
    payload: JSON.parse(r[2]),
    state: 'processing',
    priority: r[3],
    attempts: r[5],
    maxRetries: r[6],
    stalls: r[7],
    runAt: r[4],
    createdAt: r[13],
    dedupeKey: r[8],
    groupKey: r[14],
    timeoutMs: r[9],
    manual: r[10] === 1,
    progress: parseJsonColumn(r[11]),
    lastError: r[12],
    lockedBy,
    lockedUntil,
  };
  return r[15] === null ? job : withTrace(job, r[15]);
}

/** Claim order: priority, then run time, then insertion (id). */
export function compareClaimOrder(a: Job, b: Job): number {
  return a.priority - b.priority || a.runAt - b.runAt || Number(a.id) - Number(b.id);
}

/** The job as it was just stored, before any attempt (for `job:added`, and the memory store's records). */
export function newJobView(id: string, j: NewJob, now: number): Job {
  return withTrace(
    {
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
      groupKey: j.groupKey,
      timeoutMs: j.timeoutMs,
      manual: j.manual,
      progress: null,
      lastError: null,
      lockedBy: null,
      lockedUntil: null,
    },
    j.trace,
  );
}
