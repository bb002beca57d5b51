/**
 * Public types of phaseq: job payload typing, priorities and job options.
 *
 * Payload types are tied to job types through `Phaseq.JobPayloadMap`, a global interface
 * that hosts and plugins extend by declaration merging (the same technique graphile-worker
 * uses for its task list).
 */

declare global {
  /** phaseq's global namespace: the one place hosts and plugins extend by declaration merging. */
  namespace Phaseq {
    /**
     * Maps every job type to the type of its payload. Empty here: augment it.
     *
     * It lives in a global namespace (as graphile-worker's task list does) because
     * TypeScript does not merge an augmentation made through a module that re-exports an
     * interface; a global merges wherever it is declared, in source or in built `.d.ts`.
     *
     * @example
     * ```ts
     * declare global {
     *   namespace Phaseq {
     *     interface JobPayloadMap {
     *       'send-email': { to: string; subject?: string };
     *     }
     *   }
     * }
     * ```
     */
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface JobPayloadMap {}

    /**
     * The phases plugins declare, by name: the phase set `PhaseConfigService` is typed
     * with when none is given. Empty here; a plugin adds its phases (the media plugin its
     * four) the same way as `JobPayloadMap`.
     */
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface PhaseSchemaMap {}
  }
}

/** The payload map as extended so far (extend the global interface `Phaseq.JobPayloadMap` to add to it). */
export type JobPayloadMap = Phaseq.JobPayloadMap;

/** The job types known at compile time (the keys of {@link JobPayloadMap}). */
export type KnownJobType = keyof JobPayloadMap & string;

/**
 * The payload type of job type `T`: the declared one for a known type, `unknown` for a
 * type only known at run time (plugins loaded by path, the CLI). A known type's payload
 * is therefore checked at compile time; any type is checked at run time by its schema.
 */
export type PayloadOf<T extends string> = T extends KnownJobType ? JobPayloadMap[T] : unknown;

/** Job priorities. Lower runs first; any integer from 1 to 10 is accepted. */
export const JOB_PRIORITY = {
  CRITICAL: 1,
  HIGH: 3,
  NORMAL: 5,
  LOW: 8,
} as const;

/** A priority value: one of {@link JOB_PRIORITY} or any integer 1..10. */
export type JobPriority = number;

/** Bounds of a priority. */
export const MIN_PRIORITY = 1;
/** Bounds of a priority. */
export const MAX_PRIORITY = 10;

/**
 * How far ahead a job may be scheduled (`delayMs`, `runAt`): 10 years, in milliseconds.
 * A later time is refused with a ValidationError: it is almost always a unit mistake
 * (seconds for milliseconds, a year typed wrong), and no queue should hold it.
 */
export const MAX_JOB_DELAY_MS = 315_576_000_000;

/**
 * Where a job is in its life, as read at one moment: `pending` (ready to run), `delayed`
 * (waiting for its run time: delayed, scheduled or backing off before a retry),
 * `processing` (running), `failed` (a dead-letter, kept only with `retainFailed: true`).
 * Completed jobs are deleted, so there is no `completed` state. The states are those of
 * `listJobs({ state })` and `getStats()`: a job listed with `state: 'delayed'` says `delayed`.
 */
export type JobState = 'pending' | 'delayed' | 'processing' | 'failed';

/**
 * The state a stored job shows at `now`: storage keeps one `pending` state, and whether
 * such a job is `delayed` depends on the moment it is read.
 */
export function stateAt(job: { state: JobState; runAt: number }, now: number): JobState {
  return job.state === 'pending' && job.runAt > now ? 'delayed' : job.state;
}

/**
 * A job as handlers, events and `getJob` see it. `P` defaults to the payload declared for
 * `T` in {@link JobPayloadMap}; handlers registered with a schema see the schema's output.
 */
export interface Job<T extends string = string, P = PayloadOf<T>> {
  /** Storage-assigned id, unique for the lifetime of the store. */
  readonly id: string;
  readonly type: T;
  readonly payload: P;
  readonly state: JobState;
  readonly priority: number;
  /** Attempts started so far, including the running one (a stall counts as an attempt). */
  readonly attempts: number;
  /** Retries allowed after the first attempt. */
  readonly maxRetries: number;
  /** How many times this job's lease expired while it ran (its process died). */
  readonly stalls: number;
  /** Epoch milliseconds at which the job may run. */
  readonly runAt: number;
  readonly createdAt: number;
  readonly dedupeKey: string | null;
  /**
   * The job's key for per-key concurrency: what its type's `group.by` returned when the job
   * was added, or null when the type has no `group` (see `RegisterOptions.group`).
   */
  readonly groupKey: string | null;
  /** Per-attempt time limit in milliseconds, or null for none. */
  readonly timeoutMs: number | null;
  /** Started by a person rather than by the system (chained phases run at HIGH). */
  readonly manual: boolean;
  /** Last value passed to `ctx.progress`, or null. */
  readonly progress: unknown;
  /** Message of the last failed attempt, or null. */
  readonly lastError: string | null;
  /** Worker holding the lease while `processing`. */
  readonly lockedBy: string | null;
  /** Epoch milliseconds at which the lease expires while `processing`. */
  readonly lockedUntil: number | null;
  /**
   * The W3C trace context (`traceparent`, maybe `tracestate`) of the code that added the
   * job, recorded when `@opentelemetry/api` is installed and a span was active; absent
   * otherwise. Each attempt runs in a span that is its child (see docs/guides/debounce-and-traces.md).
   */
  readonly trace?: Readonly<Record<string, string>>;
}

/** What `addJob` accepts. */
export interface JobInput<T extends string = string> {
  type: T;
  payload: PayloadOf<T>;
  /**
   * 1 (first) .. 10 (last).
   * @default JOB_PRIORITY.NORMAL
   */
  priority?: number;
  /**
   * Retries after the first attempt.
   * @default 3 (the queue's `maxRetries`)
   */
  maxRetries?: number;
  /**
   * Run no earlier than this many milliseconds from now: 0 to {@link MAX_JOB_DELAY_MS}
   * (10 years). Exclusive with `runAt`.
   */
  delayMs?: number;
  /**
   * Run no earlier than this moment: a `Date`, epoch milliseconds, or an ISO-8601 text
   * with its offset (`'2030-01-01T09:00:00Z'`; a bare date is midnight UTC). At most
   * 10 years from now; a past moment means now. Exclusive with `delayMs`.
   *
   * @example
   * ```ts
   * await queue.addJob({ type: 'report', payload: {}, runAt: '2030-01-01T09:00:00+01:00' });
   * ```
   */
  runAt?: Date | number | string;
  /**
   * While a job with this key is pending or running, adding another returns its id and
   * stores nothing (unless `debounceMs` is given: see there).
   */
  dedupeKey?: string;
  /**
   * Debounce: wait this many milliseconds (a whole number from 1 to
   * {@link MAX_JOB_DELAY_MS}) before running, and let a later add with the same
   * `dedupeKey` and type, while this job is still pending, replace its payload and push
   * its run time back to `now + debounceMs` (never beyond `createdAt +
   * debounceMaxWaitMs`, never earlier than it was). Such an add returns the pending
   * job's id with `created: false`. When the job holding the key is already running, the
   * add stores a new pending job, which takes the key over. Needs `dedupeKey`; exclusive
   * with `delayMs` and `runAt`.
   *
   * @example
   * ```ts
   * // A burst of saves collapses into one reindex, 2 s after the last (at most 30 s after the first).
   * await queue.addJob({ type: 'reindex', payload: { doc }, dedupeKey: `reindex:${doc}`, debounceMs: 2_000, debounceMaxWaitMs: 30_000 });
   * ```
   */
  debounceMs?: number;
  /**
   * Longest time a debounced job waits from its first add: later adds push its run time
   * back no further than `createdAt + debounceMaxWaitMs`, so a steady stream of adds
   * still runs it. A whole number of milliseconds, at least `debounceMs`, at most
   * {@link MAX_JOB_DELAY_MS}; only with `debounceMs`.
   * @default 10 × debounceMs (at most MAX_JOB_DELAY_MS)
   */
  debounceMaxWaitMs?: number;
  /** Abort the handler's signal and fail the attempt after this many milliseconds. */
  timeoutMs?: number;
  /**
   * Started by a person (UI, CLI) rather than by the system.
   * @default false
   */
  manual?: boolean;
}

/** Counts of one job type in {@link QueueStats}. */
export interface TypeStats {
  /** Ready to run now. */
  pending: number;
  /** Waiting for their run time (delayed or backing off). */
  delayed: number;
  processing: number;
  /** Retained dead-letter jobs (`retainFailed: true`). */
  failed: number;
  /** Jobs of this type are not claimed because this type, or the whole queue, is paused. */
  paused: boolean;
  /**
   * Live started queues (worker processes) sharing the storage whose registry holds this
   * type. 0 means no running worker can take its jobs: they wait for a process that
   * registers the type.
   */
  workers: number;
}

/** Counts returned by `getStats()`. */
export interface QueueStats {
  /** Ready to run now. */
  pending: number;
  /** Waiting for their run time (delayed or backing off). */
  delayed: number;
  processing: number;
  /** Retained dead-letter jobs (`retainFailed: true`). */
  failed: number;
  /** The whole queue is paused (`queue.pause()`): no process claims any job. */
  paused: boolean;
  /** Job types paused on their own (`queue.pause(type)`), sorted, whether or not they have jobs. */
  pausedTypes: string[];
  /**
   * Live started queues sharing the storage, in any process: each announces the job types
   * it claims while it runs, renewed with its heartbeat, and is counted until its
   * announcement expires (one lease period after its last heartbeat).
   */
  workers: number;
  /**
   * Pending and delayed jobs whose type no live worker registers (`byType[t].workers`
   * is 0): nothing will run them until a process that registers their type starts.
   */
  withoutWorker: number;
  /** Per job type with any job, the same counts and its pause and worker state. */
  byType: Record<string, TypeStats>;
}
