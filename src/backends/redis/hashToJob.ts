/**
 * Maps the job hashes the Redis scripts return (flat `[field, value, ...]` arrays) to the
 * public {@link Job} shape, and back to the Redis numeric id form.
 */
import { StorageError } from '../../errors.js';
import type { Job, JobState } from '../../types.js';
import { parseJsonColumn, withTrace } from '../../storage/rows.js';

/** True for ids this backend can have issued (positive integers in canonical form). */
export function isRedisJobId(id: string): boolean {
  return /^[1-9][0-9]{0,15}$/.test(id);
}

function asFlatStrings(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new StorageError('Redis returned a job in an unexpected shape');
  }
  return value;
}

/** Turns a flat HGETALL reply into a field map. */
export function flatToRecord(value: unknown): Record<string, string> {
  const flat = asFlatStrings(value);
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as string;
  return out;
}

function num(h: Record<string, string>, field: string): number {
  const v = Number(h[field]);
  if (!Number.isFinite(v)) throw new StorageError(`Redis job ${h.id ?? '?'} has no valid "${field}"`);
  return v;
}

function optNum(h: Record<string, string>, field: string): number | null {
  return h[field] === undefined ? null : num(h, field);
}

const STATES: readonly string[] = ['pending', 'processing', 'failed'] satisfies JobState[];

function jobState(h: Record<string, string>): JobState {
  const state = h.state;
  if (state === 'pending' || state === 'processing' || state === 'failed') return state;
  throw new StorageError(`Redis job ${h.id ?? '?'} has an unknown state "${state}" (expected ${STATES.join(', ')})`);
}

/** Maps one job hash (flat reply) to a {@link Job}. */
export function hashToJob(value: unknown): Job {
  return recordToJob(flatToRecord(value));
}

/** Maps one job hash, as a field map, to a {@link Job}. */
export function recordToJob(h: Readonly<Record<string, string>>): Job {
  if (h.id === undefined || h.type === undefined || h.payload === undefined) {
    throw new StorageError('Redis returned a job hash without id, type or payload');
  }
  return withTrace(
    {
      id: h.id,
      type: h.type,
      payload: JSON.parse(h.payload),
      state: jobState(h),
      priority: num(h, 'priority'),
      attempts: num(h, 'attempts'),
      maxRetries: num(h, 'maxRetries'),
      stalls: num(h, 'stalls'),
      runAt: num(h, 'runAt'),
      createdAt: num(h, 'createdAt'),
      dedupeKey: h.dedupeKey ?? null,
      groupKey: h.groupKey ?? null,
      timeoutMs: optNum(h, 'timeoutMs'),
      manual: h.manual === '1',
      progress: parseJsonColumn(h.progress ?? null),
      lastError: h.lastError ?? null,
      lockedBy: h.lockedBy ?? null,
      lockedUntil: optNum(h, 'lockedUntil'),
    },
    h.trace,
  );
}
