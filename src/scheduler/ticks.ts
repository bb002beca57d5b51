/**
 * When a schedule's ticks fall: pure functions over a stored definition, so every process
 * computes the same instants. Cron patterns are parsed by croner; interval schedules tick
 * on whole multiples of `everyMs` since the epoch, which needs no shared anchor.
 */
import { Cron } from 'croner';
import type { StoredSchedule } from './ScheduleStore.js';

/** The part of a schedule that decides its ticks. */
export type TickSpec = Pick<StoredSchedule, 'cron' | 'everyMs' | 'tz'>;

function cronOf(spec: TickSpec): Cron {
  // paused: croner must not start its own timer; we only ask it for dates.
  return new Cron(spec.cron ?? '', { paused: true, ...(spec.tz ? { timezone: spec.tz } : {}) });
}

/**
 * The first tick strictly after `after`, or null when a cron pattern has no future run
 * (e.g. a fixed date in the past).
 *
 * @throws Error from croner for an invalid pattern or time zone
 */
export function nextTickAfter(spec: TickSpec, after: number): number | null {
  if (spec.everyMs !== null) return (Math.floor(after / spec.everyMs) + 1) * spec.everyMs;
  return cronOf(spec).nextRun(new Date(after))?.getTime() ?? null;
}

/** The latest tick at or before `at`, or null when there is none. */
export function latestTickAtOrBefore(spec: TickSpec, at: number): number | null {
  if (spec.everyMs !== null) return Math.floor(at / spec.everyMs) * spec.everyMs;
  // previousRuns looks strictly before its reference: one millisecond later includes `at`.
  return (
    cronOf(spec)
      .previousRuns(1, new Date(at + 1))[0]
      ?.getTime() ?? null
  );
}

/** A far-future instant for schedules that will never tick again (kept, never fired). */
export const NEVER = 8.64e15;
