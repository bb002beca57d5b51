/**
 * JobRunner: runs one claimed job to a recorded outcome — completed (row deleted),
 * retried (run time moved by the backoff), failed for good (deleted or retained),
 * cancelled, or released on shutdown. It also owns the table of running jobs that the
 * heartbeat renews and that `stop()` aborts.
 */
import type { EventEmitter } from 'eventemitter3';
import type { Logger } from 'pino';
import { JobTimeoutError, PhaseqError, QueueStateError, UnknownJobTypeError, isUnrecoverable, rateLimitedFor, toError } from '../errors.js';
import type { QueueEvents } from '../events.js';
import type { HandlerRegistry, JobContext, JobEnqueuer } from '../handlers/HandlerRegistry.js';
import type { IJobQueueStorage, LeaseRef } from '../storage/types.js';
import { stateAt, type Job } from '../types.js';
import type { PhaseConfigService } from '../phases/PhaseConfigService.js';
import { computeBackoff, type BackoffOptions } from '../handlers/backoff.js';
import type { AttemptResult, JobTracer } from './tracing.js';

const COMPLETED: AttemptResult = { outcome: 'completed' };

/** Why a running job's signal was aborted. */
export type AbortReason = 'timeout' | 'cancel' | 'lease-lost' | 'shutdown';

/**
 * A job this process is running, and the switch that aborts it. The AbortController is
 * made only when the handler reads `ctx.signal` (most short handlers never do, and one
 * costs microseconds per job); aborting always settles the run, signal or not.
 */
export class RunningJob {
  readonly job: Job;
  readonly workerId: string;
  /** Why the job was aborted, or null while it was not. */
  reason: AbortReason | null = null;
  #error: Error | null = null;
  #controller: AbortController | null = null;
  #settle: ((error: Error) => void) | null = null;

  constructor(job: Job, workerId: string) {
    this.job = job;
    this.workerId = workerId;
  }

  /** The handler's `ctx.signal`: already aborted when the job was aborted before it asked. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#error) this.#controller.abort(this.#error);
    }
    return this.#controller.signal;
  }

  /** Aborts the run: the first reason counts; the signal fires and the run rejects with `error`. */
  abort(reason: AbortReason, error: Error): void {
    if (this.reason === null) this.reason = reason;
    this.#error ??= error;
    this.#controller?.abort(error);
    this.#settle?.(error);
  }

  /**
   * Runs the handler; rejects with the abort error as soon as the job is aborted, whether
   * or not the handler listens to its signal (a timeout must end the attempt).
   */
  race<T>(handler: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#error) {
        reject(this.#error);
        return;
      }
      this.#settle = reject;
      let work: T | Promise<T>;
      try {
        work = handler();
      } catch (error) {
        reject(error);
        return;
      }
      // Not resolve(work): a promise resolved with a thenable is locked to it, and a later
      // abort could no longer reject it.
      Promise.resolve(work).then(resolve, reject);
    });
  }
}

/** Everything the runner needs from its queue. */
export interface RunnerHost {
  readonly storage: IJobQueueStorage;
  readonly registry: HandlerRegistry;
  readonly ownerId: string;
  readonly logger: Logger;
  readonly events: EventEmitter<QueueEvents>;
  readonly enqueuer: JobEnqueuer;
  readonly backoff: BackoffOptions;
  readonly retainFailed: boolean;
  /** Records a completion; batched with other completions and claims of the same turn. */
  complete(ref: LeaseRef): Promise<unknown>;
  /** Reports an error outside any handler. */
  reportError(error: unknown): void;
  /** Handed to handlers as `ctx.phases`. */
  readonly phases: PhaseConfigService | undefined;
  /** Runs each attempt in a span (null or absent: `@opentelemetry/api` is not installed). */
  readonly tracer?: JobTracer | null;
  /** Asks the queue to wake a worker at `time` (epoch ms) for a retry. */
  wakeAt(time: number): void;
  /**
   * Wakes one idle worker: a job of a limited or grouped type left `processing`, so one
   * of its waiting jobs may now be claimable (an idle worker found none at its last claim).
   */
  wakeIdle(): void;
}

/** Whether jobs of this registration count against a limit when they run. */
function limited(registration: { concurrency: number | null; group: unknown } | undefined): boolean {
  return registration !== undefined && (registration.concurrency !== null || registration.group !== null);
}

/** Formats an error for the job row: message, then stack. */
export function describeError(error: Error): string {
  return error.stack && error.stack.includes(error.message) ? error.stack : `${error.message}\n${error.stack ?? ''}`;
}

/** Runs jobs for one queue. */
export class JobRunner {
  readonly #host: RunnerHost;
  readonly running = new Map<string, RunningJob>();

  constructor(host: RunnerHost) {
    this.#host = host;
  }

  /** Aborts a running job of this process. Returns false when it does not run here. */
  abort(id: string, reason: AbortReason, error: Error): boolean {
    const r = this.running.get(id);
    if (!r) return false;
    r.abort(reason, error);
    return true;
  }

  /** Runs `job` to a recorded outcome. Never rejects for a handler failure. */
  run(job: Job, workerId: string): Promise<unknown> {
    const tracer = this.#host.tracer;
    // Without an SDK the attempt runs as it would without the api: no span, no context.
    if (tracer?.active()) return tracer.run(job, () => this.#attempt(job, workerId));
    return this.#attempt(job, workerId);
  }

  async #attempt(job: Job, workerId: string): Promise<AttemptResult> {
    const host = this.#host;
    const ref: LeaseRef = { id: job.id, workerId: host.ownerId };
    const entry = new RunningJob(job, workerId);
    this.running.set(job.id, entry);
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const registration = host.registry.get(job.type);
      if (!registration) throw new UnknownJobTypeError(job.type);
      if (job.timeoutMs !== null) {
        const ms = job.timeoutMs;
        timer = setTimeout(() => this.abort(job.id, 'timeout', new JobTimeoutError(ms)), ms);
      }
      if (host.events.listenerCount('job:started') > 0) host.events.emit('job:started', { job, workerId });
      const ctx = this.#context(job, entry, ref);
      const result = await entry.race(() => registration.handler(job, ctx));
      clearTimeout(timer);
      const durationMs = performance.now() - started;
      // Not awaited: the worker asks for its next job in this same turn, so the queue can
      // record this completion and that claim in one transaction. The event follows the
      // commit; if the commit fails the lease expires and the job runs again.
      host.complete(ref).then(
        () => {
          if (limited(registration)) host.wakeIdle();
          if (host.events.listenerCount('job:completed') > 0) host.events.emit('job:completed', { job, result, durationMs });
          if (host.logger.isLevelEnabled('debug')) {
            host.logger.debug({ jobId: job.id, type: job.type, attempts: job.attempts, durationMs }, 'job completed');
          }
        },
        (error: unknown) => host.reportError(error),
      );
      return COMPLETED;
    } catch (thrown) {
      clearTimeout(timer);
      return await this.#recordFailure(entry, ref, toError(thrown), performance.now() - started);
    } finally {
      this.running.delete(job.id);
    }
  }

  #context(job: Job, entry: RunningJob, ref: LeaseRef): JobContext {
    return new HandlerContext(this.#host, job, entry, ref);
  }

  async #recordFailure(entry: RunningJob, ref: LeaseRef, error: Error, durationMs: number): Promise<AttemptResult> {
    const host = this.#host;
    const { job } = entry;
    const now = Date.now();
    switch (entry.reason) {
      case 'shutdown':
        // stop() releases these jobs itself, without counting the attempt.
        return { outcome: 'released' };
      case 'lease-lost':
        host.logger.warn({ jobId: job.id, type: job.type }, 'job lease lost while running: another worker recovered it');
        return { outcome: 'lease-lost' };
      case 'cancel': {
        await host.complete(ref);
        if (limited(host.registry.get(job.type))) host.wakeIdle();
        host.logger.info({ jobId: job.id, type: job.type }, 'job cancelled while running');
        host.events.emit('job:cancelled', { job });
        return { outcome: 'cancelled' };
      }
      case 'timeout':
        break;
      case null: {
        const retryAfterMs = rateLimitedFor(error);
        if (retryAfterMs !== null) return postponeJob(host, entry, ref, error, retryAfterMs);
        break;
      }
    }
    const registration = host.registry.get(job.type);
    const final = isUnrecoverable(error) || job.attempts > job.maxRetries;
    const retryAt = final ? null : now + computeBackoff(registration?.backoff ?? host.backoff, job.attempts, error);
    const stored = await host.storage.fail(ref, { error: describeError(error), retryAt, retain: host.retainFailed }, now);
    if (!stored) {
      host.logger.warn({ jobId: job.id, type: job.type }, 'job failed after its lease was lost: outcome left to the new owner');
      return { outcome: 'lease-lost', error };
    }
    if (limited(registration)) host.wakeIdle();
    const failed: Job = { ...job, lastError: error.message };
    if (retryAt === null) {
      // No history table: this line and the job:failed event are the job's record.
      host.logger.error(
        { jobId: job.id, type: job.type, payload: job.payload, attempts: job.attempts, durationMs, err: error },
        'job failed',
      );
      host.events.emit('job:failed', { job: { ...failed, state: 'failed' }, error, attempts: job.attempts, payload: job.payload });
      return { outcome: 'failed', error };
    } else {
      host.logger.warn(
        { jobId: job.id, type: job.type, attempts: job.attempts, nextRunAt: retryAt, err: error },
        'job attempt failed, retrying',
      );
      host.events.emit('job:retrying', {
        job: { ...failed, state: stateAt({ state: 'pending', runAt: retryAt }, Date.now()), runAt: retryAt },
        error,
        attempt: job.attempts,
        nextRunAt: retryAt,
      });
      host.wakeAt(retryAt);
      return { outcome: 'retrying', error };
    }
  }
}

/**
 * A handler was rate limited by a remote service: the job goes back to pending at
 * now + `retryAfterMs`, its attempt given back.
 */
async function postponeJob(host: RunnerHost, entry: RunningJob, ref: LeaseRef, error: Error, retryAfterMs: number): Promise<AttemptResult> {
  const { job } = entry;
  const nextRunAt = Date.now() + retryAfterMs;
  const stored = await host.storage.postpone(ref, nextRunAt, error.message);
  if (!stored) {
    host.logger.warn({ jobId: job.id, type: job.type }, 'job rate limited after its lease was lost: outcome left to the new owner');
    return { outcome: 'lease-lost', error };
  }
  if (limited(host.registry.get(job.type))) host.wakeIdle();
  const attempts = Math.max(0, job.attempts - 1);
  host.logger.info({ jobId: job.id, type: job.type, retryAfterMs, nextRunAt, reason: error.message }, 'job rate limited, waiting');
  const waiting: Job = {
    ...job,
    state: stateAt({ state: 'pending', runAt: nextRunAt }, Date.now()),
    runAt: nextRunAt,
    attempts,
    lastError: error.message,
  };
  host.events.emit('job:rate-limited', { job: waiting, error, retryAfterMs, nextRunAt });
  host.wakeAt(nextRunAt);
  return { outcome: 'rate-limited', error };
}

/** The error a job's signal carries when the queue shuts down under it. */
export class ShutdownAbortError extends PhaseqError {
  constructor() {
    super('SHUTDOWN', 'The queue is stopping: the job goes back to pending');
  }
}

/** The context handed to a handler. A class, so that the logger getter stays lazy. */
class HandlerContext implements JobContext {
  readonly queue: JobEnqueuer;
  readonly workerId: string;
  readonly #host: RunnerHost;
  readonly #job: Job;
  readonly #ref: LeaseRef;
  readonly #entry: RunningJob;
  #logger: Logger | undefined;

  constructor(host: RunnerHost, job: Job, entry: RunningJob, ref: LeaseRef) {
    this.#host = host;
    this.#job = job;
    this.#ref = ref;
    this.#entry = entry;
    this.queue = host.enqueuer;
    this.workerId = entry.workerId;
  }

  get signal(): AbortSignal {
    return this.#entry.signal;
  }

  // A pino child costs microseconds; most handlers never log, so it is made on first use.
  get logger(): Logger {
    this.#logger ??= this.#host.logger.child({ jobId: this.#job.id, type: this.#job.type });
    return this.#logger;
  }

  get phases(): PhaseConfigService {
    const phases = this.#host.phases;
    if (!phases) {
      throw new QueueStateError('ctx.phases is not available: pass a PhaseConfigService to new JobQueue({ phases })');
    }
    return phases;
  }

  async progress(value: unknown): Promise<void> {
    await this.#host.storage.setProgress(this.#ref, value);
    this.#host.events.emit('job:progress', { job: this.#job, progress: value });
  }
}
