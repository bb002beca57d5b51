/**
 * The options of a JobQueue, their defaults, and how they are checked. Kept apart from
 * the queue so that the one place to read every knob and its default is short.
 */
import { ValidationError } from '../errors.js';
import type { HandlerRegistry } from '../handlers/HandlerRegistry.js';
import type { PhaseConfigService } from '../phases/PhaseConfigService.js';
import type { IJobQueueStorage } from '../storage/types.js';
import type { Logger } from 'pino';
import { DEFAULT_BACKOFF, type BackoffOptions } from '../handlers/backoff.js';
import { MAX_TIMER_DELAY_MS } from '../timers.js';

/** Options of {@link JobQueue}. */
export interface JobQueueOptions {
  /** Where jobs live: `SQLiteJobQueueStorage`, `MemoryJobQueueStorage`, `BullMQJobQueueStorage`. */
  storage: IJobQueueStorage;
  /** Handlers and payload schemas. @default a new, empty HandlerRegistry */
  registry?: HandlerRegistry;
  /** Worker loops started by `start()`. @default the storage's default (3 on SQLite) */
  concurrency?: number;
  /** pino logger; handlers get children of it. @default none: the queue logs nothing */
  logger?: Logger;
  /** Retries after the first attempt for jobs that do not say. @default 3 */
  maxRetries?: number;
  /** Delay before each retry. @default exponential from 1 s, x2, capped at 1 h, 50% jitter */
  backoff?: BackoffOptions;
  /** Keep finally-failed jobs as state `failed` (a dead-letter) instead of deleting them. @default false */
  retainFailed?: boolean;
  /** How long a claimed job's lease lasts without a heartbeat. @default 30_000 */
  leaseMs?: number;
  /** How often the leases of running jobs are renewed. @default leaseMs / 3 */
  heartbeatMs?: number;
  /** How often expired leases (dead processes) are looked for. @default leaseMs / 2 */
  stalledCheckMs?: number;
  /** Lease expiries a job survives before it fails for good. @default 1 */
  maxStalls?: number;
  /**
   * How often the storage is asked, cheaply, whether another process added work
   * (SQLite: `PRAGMA data_version`). Bounds cross-process pickup latency.
   * @default 5
   */
  pollIntervalMs?: number;
  /** Longest sleep of an idle worker between full polls. @default 1000 */
  maxIdleMs?: number;
  /** Largest accepted payload, in bytes of JSON. @default 1_048_576 (1 MiB) */
  maxPayloadBytes?: number;
  /**
   * The phase configuration handed to handlers as `ctx.phases`.
   * @default none (reading `ctx.phases` then throws a QueueStateError)
   */
  phases?: PhaseConfigService;
  /**
   * Fire the ticks of stored schedules while the queue runs. Turn it off on processes
   * that should only run jobs; schedules are stored with the jobs, so any process with
   * the scheduler on fires them (each tick once).
   * @default true
   */
  scheduler?: boolean;
  /**
   * Also emit `job:completed`, `job:failed`, `job:retrying` and `job:stalled` for jobs
   * other processes ran, marked `remote` (see {@link RemoteEventInfo}), so that a dashboard
   * on any process sees every job. Needs a storage with the `events` capability (Redis;
   * the constructor throws a ValidationError otherwise). Listening starts when the storage
   * opens (`start()`, or the first call of a queue that is never started) and costs one
   * Redis connection; `stop()` ends it. Off by default: every process that turns it on
   * hears every outcome of the queue, so a listener that alerts or counts would act once
   * per such process.
   * @default false
   */
  remoteEvents?: boolean;
}

/** Options of {@link JobQueue.stop}. */
export interface StopOptions {
  /**
   * How long running handlers may finish before their signals are aborted, in
   * milliseconds; `Infinity` waits for them however long they take.
   * @default 10_000
   */
  timeoutMs?: number;
}

/** What `cancelJob` did. */
export type CancelResult = 'cancelled' | 'cancelling' | 'not_found';

/** The tuning options with their defaults applied. */
export type ResolvedQueueOptions = Required<Omit<JobQueueOptions, 'storage' | 'registry' | 'logger' | 'concurrency' | 'phases'>>;

/** The queue options that are periods of its timers. */
const DURATION_OPTIONS = ['leaseMs', 'heartbeatMs', 'stalledCheckMs', 'pollIntervalMs', 'maxIdleMs'] as const;

/**
 * Checks the periods: each feeds a Node timer, which cannot wait longer than
 * {@link MAX_TIMER_DELAY_MS} (a longer one would fire every millisecond).
 */
function checkDurations(options: JobQueueOptions): void {
  const issues = DURATION_OPTIONS.filter((key) => {
    const value = options[key];
    return value !== undefined && !(Number.isInteger(value) && value >= 1 && value <= MAX_TIMER_DELAY_MS);
  }).map((key) => ({ path: key, message: `must be a whole number of milliseconds from 1 to ${MAX_TIMER_DELAY_MS} (about 24.8 days)` }));
  if (issues.length > 0) {
    throw new ValidationError(`Invalid queue options: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
}

/** Applies the defaults, deriving heartbeat and stall-sweep periods from the lease. */
export function resolveQueueOptions(options: JobQueueOptions): ResolvedQueueOptions {
  checkDurations(options);
  const leaseMs = options.leaseMs ?? 30_000;
  return {
    maxRetries: options.maxRetries ?? 3,
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    retainFailed: options.retainFailed ?? false,
    leaseMs,
    heartbeatMs: options.heartbeatMs ?? Math.max(10, Math.floor(leaseMs / 3)),
    stalledCheckMs: options.stalledCheckMs ?? Math.max(10, Math.floor(leaseMs / 2)),
    maxStalls: options.maxStalls ?? 1,
    pollIntervalMs: options.pollIntervalMs ?? 5,
    maxIdleMs: options.maxIdleMs ?? 1000,
    maxPayloadBytes: options.maxPayloadBytes ?? 1_048_576,
    scheduler: options.scheduler ?? true,
    remoteEvents: options.remoteEvents ?? false,
  };
}

/** Checks a worker count: a whole number from 1 to 1000. */
export function checkConcurrency(concurrency: number): number {
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
    throw new ValidationError(`concurrency must be a whole number from 1 to 1000, got ${concurrency}`, [
      { path: 'concurrency', message: 'must be 1..1000' },
    ]);
  }
  return concurrency;
}

/**
 * The storage scope of a pause: null for the whole queue.
 *
 * @throws ValidationError when `type` is given but not a non-empty string
 */
export function pauseScope(type: string | undefined): string | null {
  if (type === undefined) return null;
  if (typeof type !== 'string' || type.trim() === '') {
    throw new ValidationError('A paused job type must be a non-empty string', [
      { path: 'type', message: 'must be a non-empty string (or left out for the whole queue)' },
    ]);
  }
  return type;
}
