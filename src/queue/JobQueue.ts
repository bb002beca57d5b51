/**
 * JobQueue: the public entry point. It validates and stores jobs, owns a pool of
 * independent {@link Worker} loops, batches their claims and completions, keeps the
 * leases of running jobs alive, recovers jobs whose process died, and emits one typed
 * event per transition. A queue that is never started is a producer only.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { EventEmitter } from 'eventemitter3';
import { pino, type Logger } from 'pino';
import { JobCancelledError, NotFoundError, QueueStateError, ValidationError, toError } from '../errors.js';
import type { QueueEvents } from '../events.js';
import { HandlerRegistry, type JobEnqueuer } from '../handlers/HandlerRegistry.js';
import type { IJobQueueStorage, JobListQuery, LeaseRef } from '../storage/types.js';
import type { Job, JobInput, QueueStats } from '../types.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { TickBatcher } from './batch.js';
import { JobRunner, ShutdownAbortError } from './JobRunner.js';
import { normalizeJobInput } from './normalize.js';
import type { PhaseConfigService } from '../phases/PhaseConfigService.js';
import { createScheduler } from '../scheduler/attach.js';
import type { ScheduleInfo, ScheduleOptions, ScheduledJob, Scheduler, ScheduleTrigger } from '../scheduler/Scheduler.js';
import { Worker } from './Worker.js';

/** Options of {@link JobQueue}. */
export interface JobQueueOptions {
  /** Where jobs live: `SQLiteJobQueueStorage`, `MemoryJobQueueStorage`, `BullMQJobQueueStorage`. */
  storage: IJobQueueStorage;
  /** Handlers and payload schemas. @default a new, empty HandlerRegistry */
  registry?: HandlerRegistry;
  /** Worker loops started by `start()`. @default the storage's default (3 on SQLite) */
  concurrency?: number;
  /** pino logger; handlers get children of it. @default pino at level 'info' */
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
}

/** Options of {@link JobQueue.stop}. */
export interface StopOptions {
  /** How long running handlers may finish before their signals are aborted. @default 10_000 */
  timeoutMs?: number;
}

/** What `cancelJob` did. */
export type CancelResult = 'cancelled' | 'cancelling' | 'not_found';

type State = 'idle' | 'starting' | 'started' | 'stopping';

/** A worker's request to the storage, batched per event-loop turn. */
type QueueOp = { kind: 'claim'; workerId: string } | { kind: 'complete'; ref: LeaseRef };

/**
 * The job queue.
 *
 * @example
 * ```ts
 * const queue = new JobQueue({ storage: new SQLiteJobQueueStorage({ filename: './jobs.db' }), registry });
 * await queue.start();
 * const id = await queue.addJob({ type: 'send-email', payload: { to: 'a@b.c' }, priority: JOB_PRIORITY.HIGH });
 * queue.on('job:completed', ({ job, durationMs }) => console.log(job.id, durationMs));
 * await queue.stop({ timeoutMs: 10_000 });
 * ```
 */
export class JobQueue extends EventEmitter<QueueEvents> implements JobEnqueuer {
  readonly storage: IJobQueueStorage;
  readonly registry: HandlerRegistry;
  readonly logger: Logger;
  readonly concurrency: number;
  /** The phase configuration handlers read (`ctx.phases`), if one was given. */
  readonly phases: PhaseConfigService | undefined;
  readonly #opts: Required<Omit<JobQueueOptions, 'storage' | 'registry' | 'logger' | 'concurrency' | 'phases'>>;
  #ownerId = '';
  #state: State = 'idle';
  #ready: Promise<void> | null = null;
  #workers: Worker[] = [];
  #runner: JobRunner | null = null;
  #ops: TickBatcher<QueueOp, Job | null> | null = null;
  #timers: NodeJS.Timeout[] = [];
  #unwatch: (() => void) | null = null;
  #wakeTimer: NodeJS.Timeout | null = null;
  #wakeTime = Number.POSITIVE_INFINITY;
  #busySinceDrain = false;
  #stopping: Promise<void> | null = null;
  #scheduler: Scheduler | null = null;

  constructor(options: JobQueueOptions) {
    super();
    if (!options?.storage) throw new ValidationError('JobQueue needs a storage', [{ path: 'storage', message: 'required' }]);
    this.storage = options.storage;
    this.registry = options.registry ?? new HandlerRegistry();
    this.logger = options.logger ?? pino({ name: 'phaseq', level: 'info' });
    this.concurrency = options.concurrency ?? this.storage.defaultConcurrency;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1 || this.concurrency > 1000) {
      throw new ValidationError(`concurrency must be a whole number from 1 to 1000, got ${this.concurrency}`, [
        { path: 'concurrency', message: 'must be 1..1000' },
      ]);
    }
    const leaseMs = options.leaseMs ?? 30_000;
    this.#opts = {
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
    };
    this.phases = options.phases;
  }

  /** Whether workers are running. */
  get isRunning(): boolean {
    return this.#state === 'started';
  }

  /** Jobs this process is running now. */
  get runningJobs(): Job[] {
    return [...(this.#runner?.running.values() ?? [])].map((r) => r.job);
  }

  /** Registers every job type of a plugin (see `definePlugin`) and runs its setup. */
  async use(plugin: { name: string; register(queue: JobQueue): void | Promise<void> }): Promise<this> {
    await plugin.register(this);
    return this;
  }

  /**
   * Opens the storage (creating or migrating its tables) and starts `concurrency`
   * workers. Calling it again while started does nothing.
   */
  async start(): Promise<void> {
    if (this.#state === 'started' || this.#state === 'starting') return;
    if (this.#state === 'stopping') throw new QueueStateError('start() called while the queue is stopping');
    this.#state = 'starting';
    try {
      await this.#ensureReady();
      // First sweep before any timer or worker is armed: when the storage cannot be
      // written, start() fails as a whole and leaves no half-started queue behind.
      await this.#recoverStalled();
    } catch (error) {
      this.#state = 'idle';
      throw error;
    }
    this.#ownerId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    const ops = new TickBatcher<QueueOp, Job | null>((batch) => this.#flushOps(batch));
    this.#ops = ops;
    this.#runner = new JobRunner({
      storage: this.storage,
      registry: this.registry,
      ownerId: this.#ownerId,
      logger: this.logger,
      events: this,
      enqueuer: this,
      backoff: this.#opts.backoff,
      retainFailed: this.#opts.retainFailed,
      complete: async (ref) => void (await ops.request({ kind: 'complete', ref })),
      reportError: (error) => this.#reportError(error, null),
      phases: this.phases,
      wakeAt: (t) => this.#wakeAt(t),
    });
    const runner = this.#runner;
    this.#workers = Array.from({ length: this.concurrency }, (_, i) => {
      return new Worker({
        id: `${this.#ownerId}#${i + 1}`,
        fetch: (workerId) => (this.#state === 'started' ? ops.request({ kind: 'claim', workerId }) : Promise.resolve(null)),
        run: (job, workerId) => runner.run(job, workerId),
        onError: (error, workerId) => this.#reportError(error, workerId),
        maxIdleMs: this.#opts.maxIdleMs,
      });
    });
    this.#state = 'started';
    this.#timers.push(
      // The heartbeat timer stays referenced: a started queue keeps its process alive
      // (even when every handler awaits something that holds no handle) until stop().
      this.#every(this.#opts.heartbeatMs, () => this.#heartbeat(), true),
      this.#every(this.#opts.stalledCheckMs, () => this.#recoverStalled()),
    );
    this.#unwatch = this.storage.watch?.(() => this.#wakeIdle(this.concurrency), this.#opts.pollIntervalMs) ?? null;
    for (const w of this.#workers) w.start();
    if (this.#opts.scheduler) await this.scheduler.start();
    this.logger.info({ storage: this.storage.name, concurrency: this.concurrency, owner: this.#ownerId }, 'queue started');
  }

  /**
   * Stops claiming, waits up to `timeoutMs` for running handlers, then aborts the rest
   * through `ctx.signal` and returns their jobs to pending without counting an attempt.
   * Closes the storage. A second call waits for the first.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    if (this.#stopping) return this.#stopping;
    if (this.#state !== 'started') {
      if (this.#state === 'idle' && this.#ready) {
        this.#ready = null;
        await this.storage.close();
      }
      return;
    }
    this.#state = 'stopping';
    this.#stopping = this.#shutdown(options.timeoutMs ?? 10_000).finally(() => {
      this.#stopping = null;
      this.#state = 'idle';
    });
    return this.#stopping;
  }

  /**
   * Validates and stores one job; returns its id. With a `dedupeKey` already held by a
   * pending or running job, returns that job's id and stores nothing.
   *
   * @throws ValidationError (bad option or payload), UnknownJobTypeError (no handler)
   */
  async addJob<T extends string>(input: JobInput<T>): Promise<string> {
    const [id] = await this.addJobs([input]);
    return id as string;
  }

  /** Validates every input first, then stores them all in one transaction (all or none). */
  async addJobs(inputs: readonly JobInput[]): Promise<string[]> {
    if (!Array.isArray(inputs)) {
      throw new ValidationError('addJobs takes an array of jobs', [{ path: '', message: 'expected an array' }]);
    }
    const now = Date.now();
    const defaults = { maxRetries: this.#opts.maxRetries, maxPayloadBytes: this.#opts.maxPayloadBytes };
    const jobs = inputs.map((input, i) => {
      try {
        return normalizeJobInput(input, this.registry, defaults, now);
      } catch (error) {
        if (inputs.length > 1 && error instanceof ValidationError) {
          throw new ValidationError(
            `jobs[${i}]: ${error.message}`,
            error.issues.map((issue) => ({ ...issue, path: `${i}.${issue.path}` })),
          );
        }
        throw error;
      }
    });
    if (jobs.length === 0) return [];
    await this.#ensureReady();
    const added = await this.storage.add(jobs, now);
    let ready = 0;
    let soonest = Number.POSITIVE_INFINITY;
    const wantEvents = this.listenerCount('job:added') > 0;
    added.forEach((a, i) => {
      if (!a.created) return;
      const j = jobs[i]!;
      if (j.runAt <= now) ready++;
      else soonest = Math.min(soonest, j.runAt);
      if (wantEvents) this.emit('job:added', { job: newJobView(a.id, j, now) });
    });
    if (ready > 0) this.#wakeIdle(ready);
    if (soonest !== Number.POSITIVE_INFINITY) this.#wakeAt(soonest);
    return added.map((a) => a.id);
  }

  /** One job by id, or null (completed jobs are gone: there is no history). */
  async getJob(id: string): Promise<Job | null> {
    await this.#ensureReady();
    return this.storage.get(String(id));
  }

  /** Jobs by state and type, in claim order. */
  async listJobs(query: JobListQuery = {}): Promise<Job[]> {
    await this.#ensureReady();
    return this.storage.list(query, Date.now());
  }

  /** Counts by state and type. */
  async getStats(): Promise<QueueStats> {
    await this.#ensureReady();
    return this.storage.stats(Date.now());
  }

  /**
   * Cancels a job: a pending (or dead-letter) job is deleted at once; a running one has
   * its signal aborted (here, or by its own process at its next heartbeat) and is
   * deleted when its handler returns.
   */
  async cancelJob(id: string): Promise<CancelResult> {
    await this.#ensureReady();
    const result = await this.storage.cancel(String(id));
    switch (result.outcome) {
      case 'not_found':
        return 'not_found';
      case 'deleted':
        this.logger.info({ jobId: result.job.id, type: result.job.type }, 'job cancelled');
        this.emit('job:cancelled', { job: result.job });
        return 'cancelled';
      case 'requested':
        this.#runner?.abort(result.job.id, 'cancel', new JobCancelledError());
        return 'cancelling';
    }
  }

  /**
   * Puts a retained failed job (dead-letter) back to pending with fresh attempts.
   *
   * @throws NotFoundError when no failed job has this id
   */
  async retryJob(id: string): Promise<Job> {
    await this.#ensureReady();
    const job = await this.storage.retry(String(id), Date.now());
    if (!job) throw new NotFoundError(`No failed job with id ${id}`);
    this.#wakeIdle(1);
    return job;
  }

  /** The queue's scheduler: schedules stored with the jobs (SQLite) or in memory. */
  get scheduler(): Scheduler {
    this.#scheduler ??= createScheduler(this);
    return this.#scheduler;
  }

  /**
   * Stores (or replaces) a recurring job: `{ cron }` (croner syntax, optional `tz`) or
   * `{ everyMs }`. Every process sharing the database enqueues each tick once.
   *
   * @example
   * ```ts
   * await queue.schedule('nightly-verify', { cron: '30 4 * * *' }, { type: 'scheduled-verification', payload: {} });
   * ```
   */
  schedule<T extends string>(
    name: string,
    trigger: ScheduleTrigger,
    job: ScheduledJob<T>,
    options?: ScheduleOptions,
  ): Promise<ScheduleInfo> {
    return this.scheduler.schedule(name, trigger, job, options);
  }

  /** Removes a schedule; false when there was none by that name. */
  unschedule(name: string): Promise<boolean> {
    return this.scheduler.unschedule(name);
  }

  /** Every stored schedule with its next run time. */
  listSchedules(): Promise<ScheduleInfo[]> {
    return this.scheduler.listSchedules();
  }

  /** Enqueues a schedule's job now (its regular ticks are unchanged); returns the job id. */
  runScheduleNow(name: string): Promise<string> {
    return this.scheduler.runScheduleNow(name);
  }

  #ensureReady(): Promise<void> {
    this.#ready ??= this.storage.init().catch((error: unknown) => {
      this.#ready = null;
      throw error;
    });
    return this.#ready;
  }

  /**
   * Serves one turn's worth of completions and claims: with a storage that can, in one
   * transaction (one commit for a whole turn of a busy queue).
   */
  async #flushOps(batch: QueueOp[]): Promise<(Job | null)[]> {
    const refs: LeaseRef[] = [];
    let claimers = 0;
    for (const op of batch) {
      if (op.kind === 'complete') refs.push(op.ref);
      else claimers++;
    }
    const limit = this.#state === 'started' ? claimers : 0;
    const claim = { workerId: this.#ownerId, limit, now: Date.now(), leaseMs: this.#opts.leaseMs };
    let jobs: Job[] = [];
    if (refs.length > 0 && limit > 0 && this.storage.completeAndClaim) {
      ({ jobs } = await this.storage.completeAndClaim(refs, claim));
    } else {
      if (refs.length > 0) await this.storage.complete(refs);
      if (limit > 0) jobs = await this.storage.claim(claim.workerId, limit, claim.now, claim.leaseMs);
    }
    if (jobs.length > 0) this.#busySinceDrain = true;
    if (claimers > 0 && jobs.length < claimers) await this.#onShortClaim(jobs.length);
    let next = 0;
    return batch.map((op) => (op.kind === 'claim' ? (jobs[next++] ?? null) : null));
  }

  /** Some workers found nothing: arm a wake-up for the next delayed job, maybe drained. */
  async #onShortClaim(claimed: number): Promise<void> {
    const next = await this.storage.nextRunAt();
    if (next !== null && next > Date.now()) this.#wakeAt(next);
    const idle = claimed === 0 && (this.#runner?.running.size ?? 0) === 0;
    // Drained means nothing left to do at all: delayed jobs still count as work.
    if (this.#busySinceDrain && idle && next === null) {
      this.#busySinceDrain = false;
      this.emit('queue:drained', {});
    }
  }

  #wakeIdle(n: number): void {
    if (this.#state !== 'started') return;
    let left = n;
    for (const w of this.#workers) {
      if (left <= 0) break;
      if (w.idle) {
        w.notify();
        left--;
      }
    }
  }

  /** Keeps one timer, for the earliest moment a known delayed job becomes ready. */
  #wakeAt(time: number): void {
    if (this.#state !== 'started' || time >= this.#wakeTime) return;
    if (this.#wakeTimer) clearTimeout(this.#wakeTimer);
    this.#wakeTime = time;
    this.#wakeTimer = setTimeout(() => {
      this.#wakeTimer = null;
      this.#wakeTime = Number.POSITIVE_INFINITY;
      this.#wakeIdle(this.concurrency);
    }, Math.max(0, time - Date.now()) + 1);
    this.#wakeTimer.unref();
  }

  async #heartbeat(): Promise<void> {
    const runner = this.#runner;
    if (!runner || runner.running.size === 0) return;
    const refs = [...runner.running.keys()].map((id) => ({ id, workerId: this.#ownerId }));
    const report = await this.storage.extendLeases(refs, Date.now(), this.#opts.leaseMs);
    for (const id of report.lost) {
      runner.abort(id, 'lease-lost', new QueueStateError(`Lease of job ${id} was lost (recovered elsewhere)`));
    }
    for (const id of report.cancelRequested) runner.abort(id, 'cancel', new JobCancelledError());
  }

  async #recoverStalled(): Promise<void> {
    const report = await this.storage.recoverStalled({
      now: Date.now(),
      maxStalls: this.#opts.maxStalls,
      retain: this.#opts.retainFailed,
    });
    for (const job of report.recovered) {
      this.logger.warn({ jobId: job.id, type: job.type, stalls: job.stalls }, 'stalled job recovered');
      this.emit('job:stalled', { job });
    }
    for (const job of report.failed) {
      const error = new Error(job.lastError ?? 'stalled');
      this.logger.error({ jobId: job.id, type: job.type, payload: job.payload, attempts: job.attempts, err: error }, 'job failed');
      this.emit('job:stalled', { job });
      this.emit('job:failed', { job: { ...job, state: 'failed' }, error, attempts: job.attempts, payload: job.payload });
    }
    if (report.recovered.length > 0) this.#wakeIdle(report.recovered.length);
  }

  #every(ms: number, fn: () => Promise<void>, keepAlive = false): NodeJS.Timeout {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || this.#state !== 'started') return;
      busy = true;
      fn()
        .catch((error: unknown) => this.#reportError(error, null))
        .finally(() => {
          busy = false;
        });
    }, ms);
    if (!keepAlive) timer.unref();
    return timer;
  }

  #reportError(error: unknown, workerId: string | null): void {
    const err = toError(error);
    this.logger.error({ err, workerId }, 'worker error');
    this.emit('worker:error', { error: err, workerId });
  }

  async #shutdown(timeoutMs: number): Promise<void> {
    // No tick may be enqueued while the queue stops.
    await this.#scheduler?.stop();
    const runner = this.#runner!;
    const stopped = Promise.all(this.#workers.map((w) => w.stop()));
    this.#unwatch?.();
    this.#unwatch = null;
    if (this.#wakeTimer) clearTimeout(this.#wakeTimer);
    this.#wakeTimer = null;
    this.#wakeTime = Number.POSITIVE_INFINITY;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      stopped.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut && runner.running.size > 0) {
      const refs = [...runner.running.keys()].map((id) => ({ id, workerId: this.#ownerId }));
      for (const { id } of refs) runner.abort(id, 'shutdown', new ShutdownAbortError());
      await this.storage.release(refs, Date.now());
      this.logger.warn({ jobs: refs.map((r) => r.id) }, 'stop timed out: running jobs aborted and returned to pending');
    }
    await stopped;
    await this.#ops?.drain();
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.#workers = [];
    this.#runner = null;
    this.#ready = null;
    await this.storage.close();
    this.logger.info({ owner: this.#ownerId }, 'queue stopped');
  }
}

function newJobView(id: string, j: ReturnType<typeof normalizeJobInput>, now: number): Job {
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
