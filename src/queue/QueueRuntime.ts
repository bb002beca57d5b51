/**
 * QueueRuntime: what a started queue runs — its worker pool, the runner of their jobs,
 * the heartbeat and stall-sweep timers and the storage watch — and the order in which
 * they stop. `JobQueue.start()` creates one and `stop()` drops it: a producer (a queue
 * never started) has none, and everything here exists only between the two.
 */
import type { EventEmitter } from 'eventemitter3';
import type { Logger } from 'pino';
import type { QueueEvents } from '../events.js';
import type { HandlerRegistry, JobEnqueuer } from '../handlers/HandlerRegistry.js';
import type { PhaseConfigService } from '../phases/PhaseConfigService.js';
import type { IJobQueueStorage } from '../storage/types.js';
import type { ClaimFilter } from '../storage/claims.js';
import { setTimeoutAt } from '../timers.js';
import { JobRunner, ShutdownAbortError } from './JobRunner.js';
import type { LeaseKeeper } from './LeaseKeeper.js';
import type { ResolvedQueueOptions } from './options.js';
import { JobTracer } from './tracing.js';
import { WorkerPool } from './WorkerPool.js';

/** What a runtime needs from its queue (a `JobQueue` assembles it in `start()`). */
export interface QueueRuntimeHost {
  readonly storage: IJobQueueStorage;
  readonly registry: HandlerRegistry;
  readonly logger: Logger;
  /** The queue, as the emitter of job and worker events. */
  readonly events: EventEmitter<QueueEvents>;
  /** The queue, as handlers' `ctx.enqueue`. */
  readonly enqueuer: JobEnqueuer;
  readonly phases: PhaseConfigService | undefined;
  /** This start's lease-holder id. */
  readonly ownerId: string;
  readonly concurrency: number;
  readonly options: ResolvedQueueOptions;
  readonly leases: LeaseKeeper;
  /** The job types the queue claims, with their limits (rebuilt when the registry grows). */
  filter(): ClaimFilter;
  /** Renews this queue's announcement to the processes sharing the storage. */
  announce(): Promise<void>;
  reportError(error: unknown, workerId: string | null): void;
}

/** The moving parts of one started queue. */
export class QueueRuntime {
  readonly runner: JobRunner;
  readonly pool: WorkerPool;
  readonly #host: QueueRuntimeHost;
  #timers: NodeJS.Timeout[] = [];
  #unwatch: (() => void) | null = null;
  #stopping = false;

  constructor(host: QueueRuntimeHost) {
    this.#host = host;
    const { options } = host;
    const runner: JobRunner = new JobRunner({
      storage: host.storage,
      registry: host.registry,
      ownerId: host.ownerId,
      logger: host.logger,
      events: host.events,
      enqueuer: host.enqueuer,
      backoff: options.backoff,
      retainFailed: options.retainFailed,
      complete: (ref) => pool.complete(ref),
      reportError: (error) => host.reportError(error, null),
      phases: host.phases,
      wakeAt: (t) => pool.wakeAt(t),
      wakeIdle: () => pool.wake(1),
      tracer: new JobTracer(),
    });
    const pool: WorkerPool = new WorkerPool({
      storage: host.storage,
      ownerId: host.ownerId,
      concurrency: host.concurrency,
      leaseMs: options.leaseMs,
      maxIdleMs: options.maxIdleMs,
      filter: () => host.filter(),
      run: (job, workerId) => runner.run(job, workerId),
      running: () => runner.running.size,
      onDrained: () => host.events.emit('queue:drained', {}),
      onError: (error, workerId) => host.reportError(error, workerId),
    });
    this.runner = runner;
    this.pool = pool;
  }

  /** Arms the heartbeat, the stall sweep and the storage watch, and starts the workers. */
  start(): void {
    const host = this.#host;
    const { options, leases } = host;
    this.#timers.push(
      // The heartbeat timer stays referenced: a started queue keeps its process alive
      // (even when every handler awaits something that holds no handle) until stop().
      this.#every(options.heartbeatMs, () => Promise.all([leases.heartbeat(), host.announce()]).then(() => {}), true),
      this.#every(options.stalledCheckMs, () => leases.recoverStalled()),
    );
    // While every worker is busy a change wakes no one: the storage may skip its look.
    const pool = this.pool;
    this.#unwatch = host.storage.watch?.(() => pool.wake(), options.pollIntervalMs, { wanted: () => pool.hasIdle }) ?? null;
    this.pool.start();
  }

  /**
   * Stops claiming at once, runs `whileStopping` (the queue stops its scheduler there, so
   * no tick is enqueued while the workers finish), waits up to `timeoutMs` for running
   * handlers, then aborts the rest through `ctx.signal` and returns their jobs to pending
   * without counting an attempt. Leaves the storage open: the queue closes it.
   */
  async stop(timeoutMs: number, whileStopping: () => Promise<void>): Promise<void> {
    const host = this.#host;
    const { runner, pool } = this;
    this.#stopping = true;
    // Claiming stops at once; the workers finish what they hold.
    const stopped = pool.stopWorkers();
    await whileStopping();
    this.#unwatch?.();
    this.#unwatch = null;
    let cancel = (): void => {};
    const timedOut = await Promise.race([
      stopped.then(() => false),
      new Promise<boolean>((resolve) => {
        // Any length, Infinity included (wait for the handlers however long they take).
        cancel = setTimeoutAt(Date.now() + timeoutMs, () => resolve(true));
      }),
    ]);
    cancel();
    if (timedOut && runner.running.size > 0) {
      const refs = [...runner.running.keys()].map((id) => ({ id, workerId: host.ownerId }));
      for (const { id } of refs) runner.abort(id, 'shutdown', new ShutdownAbortError());
      await host.storage.release(refs, Date.now());
      host.logger.warn({ jobs: refs.map((r) => r.id) }, 'stop timed out: running jobs aborted and returned to pending');
    }
    await stopped;
    await pool.drain();
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    // Reported, not thrown: the queue stops either way, and the announcement expires.
    await host.storage.retireWorker(host.ownerId).catch((error: unknown) => host.reportError(error, null));
  }

  /** Runs `fn` every `ms` while started, never two at once; its errors are reported. */
  #every(ms: number, fn: () => Promise<void>, keepAlive = false): NodeJS.Timeout {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || this.#stopping) return;
      busy = true;
      fn()
        .catch((error: unknown) => this.#host.reportError(error, null))
        .finally(() => {
          busy = false;
        });
    }, ms);
    if (!keepAlive) timer.unref();
    return timer;
  }
}
