/**
 * IScheduleStore: where schedules live. The scheduler owns the policy (which tick is due,
 * catch-up, enqueueing); a store only keeps rows and makes one operation atomic:
 * {@link IScheduleStore.advance}, the compare-and-set that lets several processes sharing
 * one store agree on who enqueues a tick.
 *
 * Times are epoch milliseconds passed in by the caller, so one clock decides.
 */

/** A schedule as stored. Exactly one of `cron` / `everyMs` is set. */
export interface StoredSchedule {
  /** Unique name: the identity processes meet on. */
  name: string;
  /** Cron pattern (croner syntax, 5 or 6 fields), or null for an interval schedule. */
  cron: string | null;
  /** Interval in milliseconds, or null for a cron schedule. */
  everyMs: number | null;
  /** IANA time zone the cron pattern is read in; null means the process's zone. */
  tz: string | null;
  /** Run once on start when ticks were missed while no process ran. */
  catchUp: boolean;
  /** Type of the job each tick enqueues. */
  jobType: string;
  /** Payload of that job, as JSON. */
  payloadJson: string;
  /** Priority of that job (1..10). */
  priority: number;
  /** The last tick that was enqueued, or null before the first. */
  lastTick: number | null;
  /** The tick the schedule waits for. */
  nextRunAt: number;
  createdAt: number;
  updatedAt: number;
}

/** The definition part of a schedule: what `schedule()` declares. */
export type ScheduleDefinition = Pick<
  StoredSchedule,
  'name' | 'cron' | 'everyMs' | 'tz' | 'catchUp' | 'jobType' | 'payloadJson' | 'priority'
>;

/** Outcome of {@link IScheduleStore.upsert}. */
export type UpsertResult = 'created' | 'updated' | 'unchanged';

/** The store contract. */
export interface IScheduleStore {
  /** Short backend name for logs (`sqlite`, `memory`, `redis`). */
  readonly name: string;
  /** Opens or prepares the store (tables exist after it). Idempotent. */
  init(): Promise<void>;
  /**
   * Creates the schedule, or replaces its definition. When the stored definition is the
   * same, nothing changes (its `nextRunAt` and `lastTick` survive a restart); when it
   * differs, `nextRunAt` becomes `firstRunAt` and `lastTick` is kept.
   */
  upsert(definition: ScheduleDefinition, firstRunAt: number, now: number): Promise<UpsertResult>;
  /** Deletes a schedule; false when there was none. */
  remove(name: string): Promise<boolean>;
  /** One schedule, or null. */
  get(name: string): Promise<StoredSchedule | null>;
  /** Every schedule, by name. */
  list(): Promise<StoredSchedule[]>;
  /**
   * Atomically: if the schedule's `nextRunAt` still equals `expectedNextRunAt`, set it to
   * `nextRunAt` (and `lastTick` to `tick` when `tick` is not null) and return true;
   * otherwise change nothing and return false (another process got there first).
   */
  advance(name: string, expectedNextRunAt: number, tick: number | null, nextRunAt: number, now: number): Promise<boolean>;
}

/** Whether two definitions describe the same schedule. */
export function sameDefinition(a: ScheduleDefinition, b: ScheduleDefinition): boolean {
  return (
    a.name === b.name &&
    a.cron === b.cron &&
    a.everyMs === b.everyMs &&
    a.tz === b.tz &&
    a.catchUp === b.catchUp &&
    a.jobType === b.jobType &&
    a.payloadJson === b.payloadJson &&
    a.priority === b.priority
  );
}
