/**
 * JobQueue: the public entry point, and the one place a queue is assembled: the
 * machinery of `src/queue` (worker pool, runner, leases, claim filter), the handler
 * registry and the scheduler are put together here, so that none of them imports
 * another's assembly. It validates and stores jobs, runs them through a `QueueRuntime`
 * while started, and emits one typed event per transition. A queue that is never
 * started is a producer only.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { EventEmitter } from 'eventemitter3';
import { pino, type Logger } from 'pino';
import { JobCancelledError, NotFoundError, QueueStateError, ValidationError, toError } from './errors.js';
import type { QueueEvents } from './events.js';
import { HandlerRegistry, type JobEnqueuer } from './handlers/HandlerRegistry.js';
import { describeJobTypes, type JobTypeInfo } from './handlers/jobTypes.js';
import type { AddedJob, IJobQueueStorage, JobListQuery, PauseState } from './storage/types.js';
import { stateAt, type Job, type JobInput, type QueueStats } from './types.js';
import { LeaseKeeper } from './queue/LeaseKeeper.js';
import {
  checkConcurrency,
  resolveQueueOptions,
  type JobQueueOptions,
  type ResolvedQueueOptions,
  type StopOptions,
  type CancelResult,
  pauseScope,
} from './queue/options.js';
import { newJobView } from './storage/rows.js';
import { prepareJobs } from './queue/prepareJobs.js';
import { StorageSession } from './queue/StorageSession.js';
import type { PhaseConfigService } from './phases/PhaseConfigService.js';
import { createScheduler } from './scheduler/attach.js';
import type { ScheduleInfo, ScheduleOptions, ScheduledJob, Scheduler, ScheduleTrigger } from './scheduler/Scheduler.js';
import { RegistryFilter } from './queue/claimFilter.js';
import { QueueRuntime } from './queue/QueueRuntime.js';

type State = 'idle' | 'starting' | 'started' | 'stopping';

/** A stored job as callers see it at `now` (`delayed` while its run time has not come). */
function seenAt(job: Job, now: number): Job {
  const state = stateAt(job, now);
  return state === job.state ? job : { ...job, state };
}

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
  readonly #opts: ResolvedQueueOptions;
  #ownerId = '';
  #state: State = 'idle';
  /** The workers, runner and timers of a started queue. */
  #runtime: QueueRuntime | null = null;
  #stopping: Promise<void> | null = null;
  #scheduler: Scheduler | null = null;
  /** The storage, opened once by the first call that needs it. */
  readonly #session: StorageSession;
  readonly #leases: LeaseKeeper;
  /** The job types this queue claims, with their limits. */
  readonly #claimable: RegistryFilter;

  constructor(options: JobQueueOptions) {
    super();
    if (!options?.storage) throw new ValidationError('JobQueue needs a storage', [{ path: 'storage', message: 'required' }]);
    this.storage = options.storage;
    this.registry = options.registry ?? new HandlerRegistry();
    this.#claimable = new RegistryFilter(this.registry);
    // A library is silent unless its host hands it a logger (the CLI and servers do).
    this.logger = options.logger ?? pino({ name: 'phaseq', enabled: false });
    this.concurrency = checkConcurrency(options.concurrency ?? this.storage.defaultConcurrency);
    this.#opts = resolveQueueOptions(options);
    if (this.#opts.remoteEvents && !this.storage.events) {
      throw new ValidationError(
        `remoteEvents needs a storage that hears other processes' job events (Redis); ${this.storage.name} does not`,
        [{ path: 'remoteEvents', message: `not supported by the ${this.storage.name} storage` }],
      );
    }
    this.#leases = new LeaseKeeper({
      storage: this.storage,
      events: this,
      logger: this.logger,
      leaseMs: this.#opts.leaseMs,
      maxStalls: this.#opts.maxStalls,
      retainFailed: this.#opts.retainFailed,
      runner: () => this.#runtime?.runner ?? null,
      ownerId: () => this.#ownerId,
      wakeIdle: (n) => this.#runtime?.pool.wake(n),
    });
    this.phases = options.phases;
    this.#session = new StorageSession(
      this.storage,
      this.#opts.remoteEvents ? { events: this, reportError: (error) => this.#reportError(error, null), logger: this.logger } : null,
    );
  }

  /** Whether workers are running. */
  get isRunning(): boolean {
    return this.#state === 'started';
  }

  /** Jobs this process is running now. */
  get runningJobs(): Job[] {
    return [...(this.#runtime?.runner.running.values() ?? [])].map((r) => r.job);
  }

  /**
   * Registers every job type of a plugin (see `definePlugin`) and runs its setup. On a
   * started queue the new types are claimed from the next claim on.
   */
  async use(plugin: { name: string; register(queue: JobQueue): void | Promise<void> }): Promise<this> {
    await plugin.register(this);
    if (this.#state === 'started') {
      this.#runtime?.pool.wake();
      // Other processes' stats learn the new types now rather than at the next heartbeat.
      await this.#announce();
    }
    return this;
  }

  /**
   * Pauses the whole queue (no `type`) or one job type, in the storage: every process
   * sharing it stops claiming those jobs from its next claim on. Running jobs finish;
   * adding jobs still works. Emits `queue:paused` when the state changed.
   *
   * @returns false when it was already paused
   * @throws ValidationError when `type` is given but not a non-empty string
   * @example
   * ```ts
   * await queue.pause('send-email'); // hold e-mails while the SMTP relay is down
   * await queue.resume('send-email');
   * ```
   */
  async pause(type?: string): Promise<boolean> {
    const scope = pauseScope(type);
    await this.#session.ready();
    const changed = await this.storage.pause(scope, Date.now());
    if (changed) {
      this.logger.info({ type: scope }, scope === null ? 'queue paused' : 'job type paused');
      this.emit('queue:paused', { type: scope });
    }
    return changed;
  }

  /**
   * Undoes {@link pause} of the same scope: `resume()` the whole queue, `resume(type)` one
   * type (a type paused on its own stays paused when the queue resumes). Emits
   * `queue:resumed` when the state changed, and wakes idle workers everywhere.
   *
   * @returns false when it was not paused
   */
  async resume(type?: string): Promise<boolean> {
    const scope = pauseScope(type);
    await this.#session.ready();
    const changed = await this.storage.resume(scope);
    if (changed) {
      this.logger.info({ type: scope }, scope === null ? 'queue resumed' : 'job type resumed');
      this.emit('queue:resumed', { type: scope });
      this.#runtime?.pool.wake();
    }
    return changed;
  }

  /**
   * Whether the whole queue is paused (no `type`), or whether jobs of `type` are held by a
   * pause: of that type, or of the whole queue. {@link getPauseState} tells the two apart.
   */
  async isPaused(type?: string): Promise<boolean> {
    const scope = pauseScope(type);
    const state = await this.getPauseState();
    return state.queue || (scope !== null && state.types.includes(scope));
  }

  /** What is paused: the whole queue (`queue`), and the job types paused on their own (`types`, sorted). */
  async getPauseState(): Promise<PauseState> {
    await this.#session.ready();
    return this.storage.pauseState();
  }

  /**
   * Opens the storage (creating or migrating its tables) and starts `concurrency`
   * workers. Calling it again while started does nothing.
   */
  async start(): Promise<void> {
    if (this.#state === 'started' || this.#state === 'starting') return;
    if (this.#state === 'stopping') throw new QueueStateError('start() called while the queue is stopping');
    this.#state = 'starting';
    this.#ownerId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    try {
      await this.#session.ready();
      // First sweep and announcement before any timer or worker is armed: when the
      // storage cannot be written, start() fails as a whole and leaves no half-started
      // queue behind.
      await this.#leases.recoverStalled();
      await this.#announce();
    } catch (error) {
      this.#state = 'idle';
      throw error;
    }
    const runtime = new QueueRuntime({
      storage: this.storage,
      registry: this.registry,
      logger: this.logger,
      events: this,
      enqueuer: this,
      phases: this.phases,
      ownerId: this.#ownerId,
      concurrency: this.concurrency,
      options: this.#opts,
      leases: this.#leases,
      filter: () => this.#claimable.filter,
      announce: () => this.#announce(),
      reportError: (error, workerId) => this.#reportError(error, workerId),
    });
    this.#runtime = runtime;
    this.#state = 'started';
    runtime.start();
    // A storage that keeps no schedules (no scheduleStore capability) has none to fire,
    // unless the host gave the queue's scheduler a store of its own.
    if (this.#opts.scheduler && (this.#scheduler || this.storage.scheduleStore)) await this.scheduler.start();
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
      // A producer's storage was opened by a call of this queue, or by its scheduler's
      // store (schedule(), listSchedules() open the storage themselves): close it either way.
      if (this.#state === 'idle' && (this.#session.opened || this.#scheduler)) await this.#session.close();
      if (this.#state === 'idle') this.emit('queue:stopped', {});
      return;
    }
    this.#state = 'stopping';
    this.#stopping = this.#shutdown(options.timeoutMs ?? 10_000).finally(() => {
      this.#stopping = null;
      this.#state = 'idle';
    });
    await this.#stopping;
    this.emit('queue:stopped', {});
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
    return (await this.addJobsWithOutcome(inputs)).map((a) => a.id);
  }

  /**
   * Like {@link addJobs}, and says for each input whether it was stored (`created: true`)
   * or matched a pending or running job with the same `dedupeKey`, whose id it returns
   * (`created: false`, nothing stored).
   *
   * @example
   * ```ts
   * const [{ id, created }] = await queue.addJobsWithOutcome([{ type: 'scan', payload: {}, dedupeKey: 'scan' }]);
   * ```
   */
  async addJobsWithOutcome(inputs: readonly JobInput[]): Promise<AddedJob[]> {
    const now = Date.now();
    const defaults = { maxRetries: this.#opts.maxRetries, maxPayloadBytes: this.#opts.maxPayloadBytes };
    const jobs = prepareJobs(inputs, this.registry, defaults, now);
    if (jobs.length === 0) return [];
    await this.#session.ready();
    const added = await this.storage.add(jobs, now);
    let ready = 0;
    let soonest = Number.POSITIVE_INFINITY;
    const wantEvents = this.listenerCount('job:added') > 0;
    added.forEach((a, i) => {
      if (!a.created) return;
      const j = jobs[i]!;
      if (j.runAt <= now) ready++;
      else soonest = Math.min(soonest, j.runAt);
      if (wantEvents) this.emit('job:added', { job: seenAt(newJobView(a.id, j, now), now) });
    });
    // Only a started queue has a pool, and it ignores wake-ups once stopping.
    if (ready > 0) this.#runtime?.pool.wake(ready);
    if (soonest !== Number.POSITIVE_INFINITY) this.#runtime?.pool.wakeAt(soonest);
    return added.map((a) => ({ id: a.id, created: a.created }));
  }

  /** One job by id, or null (completed jobs are gone: there is no history). */
  async getJob(id: string): Promise<Job | null> {
    await this.#session.ready();
    const job = await this.storage.get(String(id));
    return job && seenAt(job, Date.now());
  }

  /** Jobs by state and type, in claim order. */
  async listJobs(query: JobListQuery = {}): Promise<Job[]> {
    await this.#session.ready();
    // One moment decides both the filter and the states shown: a job listed as delayed says so.
    const now = Date.now();
    return (await this.storage.list(query, now)).map((job) => seenAt(job, now));
  }

  /**
   * Counts by state and type, what is paused, and how many live workers (started queues in
   * any process sharing the storage) run each type: `byType[t].workers === 0` and
   * `withoutWorker` show jobs no running worker can take.
   */
  async getStats(): Promise<QueueStats> {
    await this.#session.ready();
    return this.storage.stats(Date.now());
  }

  /**
   * Each job type this queue registers or the storage holds jobs of, sorted by name: the
   * limits its registration here puts on it (`concurrency`, `group`, `rateLimit`), whether
   * it is paused, and its live workers. See {@link describeJobTypes}.
   */
  async getJobTypes(): Promise<JobTypeInfo[]> {
    return describeJobTypes(this.registry, await this.getStats());
  }

  /**
   * Cancels a job: a pending (or dead-letter) job is deleted at once; a running one has
   * its signal aborted (here, or by its own process at its next heartbeat) and is
   * deleted when its handler returns.
   */
  async cancelJob(id: string): Promise<CancelResult> {
    await this.#session.ready();
    const result = await this.storage.cancel(String(id));
    switch (result.outcome) {
      case 'not_found':
        return 'not_found';
      case 'deleted':
        this.logger.info({ jobId: result.job.id, type: result.job.type }, 'job cancelled');
        this.emit('job:cancelled', { job: seenAt(result.job, Date.now()) });
        return 'cancelled';
      case 'requested':
        this.#runtime?.runner.abort(result.job.id, 'cancel', new JobCancelledError());
        return 'cancelling';
    }
  }

  /**
   * Puts a retained failed job (dead-letter) back to pending with fresh attempts.
   *
   * @throws NotFoundError when no failed job has this id
   */
  async retryJob(id: string): Promise<Job> {
    await this.#session.ready();
    const now = Date.now();
    const job = await this.storage.retry(String(id), now);
    if (!job) throw new NotFoundError(`No failed job with id ${id}`);
    this.#runtime?.pool.wake(1);
    return seenAt(job, now);
  }

  /** The queue's scheduler: schedules stored with the jobs (SQLite, Redis) or in memory. */
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

  /**
   * Tells the processes sharing the storage that this queue runs and which types it
   * claims, until one lease period from now (the heartbeat renews it).
   */
  async #announce(): Promise<void> {
    const now = Date.now();
    await this.storage.announceWorker({ id: this.#ownerId, types: this.#claimable.types, expiresAt: now + this.#opts.leaseMs }, now);
  }

  #reportError(error: unknown, workerId: string | null): void {
    const err = toError(error);
    this.logger.error({ err, workerId }, 'worker error');
    this.emit('worker:error', { error: err, workerId });
  }

  async #shutdown(timeoutMs: number): Promise<void> {
    // No tick may be enqueued while the queue stops.
    await this.#runtime!.stop(timeoutMs, () => this.#scheduler?.stop() ?? Promise.resolve());
    this.#runtime = null;
    await this.#session.close();
    this.logger.info({ owner: this.#ownerId }, 'queue stopped');
  }
}
