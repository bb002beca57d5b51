/**
 * WorkerPool: the started queue's `concurrency` {@link Worker} loops and what they share —
 * one batcher that turns a turn's claims and completions into one storage call, the
 * wake-ups (new work here, a delayed job becoming ready, another process's commit), and
 * the moment the queue is drained. The queue owns the lifecycle and the events; the
 * pool only keeps the workers busy.
 */
import type { IJobQueueStorage, LeaseRef } from '../storage/types.js';
import type { ClaimFilter, ClaimReport } from '../storage/claims.js';
import type { Job } from '../types.js';
import { TickBatcher } from './batch.js';
import { setTimeoutAt } from '../timers.js';
import { Worker } from './Worker.js';

/** A worker's request to the storage, batched per event-loop turn. */
type PoolOp = { kind: 'claim'; workerId: string } | { kind: 'complete'; ref: LeaseRef };

/** What a {@link WorkerPool} needs from its queue. */
export interface WorkerPoolOptions {
  storage: IJobQueueStorage;
  /** Lease holder of every job this pool claims. */
  ownerId: string;
  concurrency: number;
  leaseMs: number;
  /** Longest idle sleep of a worker. */
  maxIdleMs: number;
  /** What the pool may claim: the job types the queue runs, with their limits. */
  filter: () => ClaimFilter;
  /** Runs a claimed job to its recorded outcome. */
  run: (job: Job, workerId: string) => Promise<unknown>;
  /** Jobs this process is running now (a drained queue runs none). */
  running: () => number;
  /** Called when, after some work, no pending or delayed job is left and none runs here. */
  onDrained: () => void;
  onError: (error: unknown, workerId: string | null) => void;
}

/** The worker loops of one started queue. */
export class WorkerPool {
  readonly #o: WorkerPoolOptions;
  readonly #ops: TickBatcher<PoolOp, Job | null>;
  readonly #workers: Worker[];
  readonly #byId: Map<string, Worker>;
  #claiming = false;
  #cancelWake: (() => void) | null = null;
  #wakeTime = Number.POSITIVE_INFINITY;
  #busySinceDrain = false;

  constructor(options: WorkerPoolOptions) {
    this.#o = options;
    this.#ops = new TickBatcher<PoolOp, Job | null>((batch) => this.#flush(batch));
    this.#workers = Array.from({ length: options.concurrency }, (_, i) => {
      return new Worker({
        id: `${options.ownerId}#${i + 1}`,
        fetch: (workerId) => (this.#claiming ? this.#ops.request({ kind: 'claim', workerId }) : Promise.resolve(null)),
        run: options.run,
        onError: options.onError,
        maxIdleMs: options.maxIdleMs,
      });
    });
    this.#byId = new Map(this.#workers.map((w) => [w.id, w]));
  }

  /** Starts every worker loop. */
  start(): void {
    this.#claiming = true;
    for (const w of this.#workers) w.start();
  }

  /**
   * Records a completion; batched with the other completions and claims of this turn.
   * Resolves once it is committed.
   */
  complete(ref: LeaseRef): Promise<unknown> {
    return this.#ops.request({ kind: 'complete', ref });
  }

  /** Whether a worker sleeps for lack of work (one a wake-up would reach). */
  get hasIdle(): boolean {
    return this.#claiming && this.#workers.some((w) => w.idle);
  }

  /** Wakes up to `n` sleeping workers (new work is ready). */
  wake(n = this.#workers.length): void {
    if (!this.#claiming) return;
    let left = n;
    for (const w of this.#workers) {
      if (left <= 0) break;
      if (w.idle) {
        w.notify();
        left--;
      }
    }
  }

  /**
   * Keeps one timer, for the earliest moment a known delayed job becomes ready. However
   * far that moment is, the timer fires once it has come (not before: an early wake-up
   * would find nothing, ask for the next run time and re-arm, over and over).
   */
  wakeAt(time: number): void {
    if (!this.#claiming || time >= this.#wakeTime) return;
    this.#cancelWake?.();
    this.#wakeTime = time;
    this.#cancelWake = setTimeoutAt(
      time,
      () => {
        this.#cancelWake = null;
        this.#wakeTime = Number.POSITIVE_INFINITY;
        this.wake();
      },
      { unref: true },
    );
  }

  /** Stops claiming; resolves when every worker has recorded the job in its hands. */
  stopWorkers(): Promise<void> {
    this.#claiming = false;
    this.#cancelWake?.();
    this.#cancelWake = null;
    this.#wakeTime = Number.POSITIVE_INFINITY;
    return Promise.all(this.#workers.map((w) => w.stop())).then(() => undefined);
  }

  /** Resolves when every batched storage call made so far has been served. */
  drain(): Promise<void> {
    return this.#ops.drain();
  }

  /**
   * Serves one turn's worth of completions and claims: with a storage that can, in one
   * transaction (one commit for a whole turn of a busy queue).
   */
  async #flush(batch: PoolOp[]): Promise<(Job | null)[]> {
    const { storage } = this.#o;
    const refs: LeaseRef[] = [];
    let claimers = 0;
    for (const op of batch) {
      if (op.kind === 'complete') refs.push(op.ref);
      else claimers++;
    }
    const limit = this.#claiming ? claimers : 0;
    const filter = this.#o.filter();
    const report: ClaimReport = { nextSlotAt: null };
    const claim = { workerId: this.#o.ownerId, limit, now: Date.now(), leaseMs: this.#o.leaseMs, filter, report };
    let jobs: Job[] = [];
    if (refs.length > 0 && limit > 0 && storage.completeAndClaim) {
      ({ jobs } = await storage.completeAndClaim(refs, claim));
    } else {
      if (refs.length > 0) await storage.complete(refs);
      if (limit > 0) jobs = await storage.claim(claim.workerId, limit, claim.now, claim.leaseMs, filter, report);
    }
    if (jobs.length > 0) this.#busySinceDrain = true;
    if (claimers > 0 && jobs.length < claimers) await this.#onShortClaim(jobs.length, report.nextSlotAt);
    let next = 0;
    return batch.map((op) => {
      if (op.kind !== 'claim') return null;
      const job = jobs[next++] ?? null;
      // Held back by a rate limit: the slot's timer wakes this worker; no polling before.
      if (job === null && report.nextSlotAt !== null) this.#byId.get(op.workerId)?.rest();
      return job;
    });
  }

  /**
   * Some workers found nothing: arm a wake-up for the next delayed job of a type this
   * queue runs, and for the next slot of a rate limit that held jobs back, maybe drained.
   * Jobs of other types are another queue's work; jobs held by a pause or a limit still
   * count as work (no drain): the workers poll for those held by a pause or a
   * concurrency limit, and sleep until the slot for those held by a rate limit.
   */
  async #onShortClaim(claimed: number, nextSlotAt: number | null): Promise<void> {
    const next = await this.#o.storage.nextRunAt(this.#o.filter().types.map((t) => t.type));
    if (next !== null && next > Date.now()) this.wakeAt(next);
    // Armed after the last await: the workers this claim left empty-handed go to sleep in
    // this turn's microtasks, before any timer can fire. Armed sooner, a slot that opened
    // during the await woke no one (they were not asleep yet), and they rested a whole
    // `maxIdleMs`.
    if (nextSlotAt !== null) this.wakeAt(nextSlotAt);
    const idle = claimed === 0 && this.#o.running() === 0;
    // Drained means nothing left to do at all: delayed jobs still count as work.
    if (this.#busySinceDrain && idle && next === null) {
      this.#busySinceDrain = false;
      this.#o.onDrained();
    }
  }
}
