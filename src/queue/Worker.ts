/**
 * Worker: one small, independent loop — claim a job, run it, record the outcome, repeat.
 *
 * The loop knows nothing of storage or handlers: `fetch` and `run` are injected by the
 * queue (which batches the claims of idle workers into one statement). When there is
 * nothing to do it sleeps, each empty poll doubling the sleep up to `maxIdleMs`, because a
 * busy queue should be polled in bursts and an idle one should cost nothing; `notify()`
 * wakes it at once when the queue knows new work arrived.
 */
import type { Job } from '../types.js';

/** What a worker needs from its queue. */
export interface WorkerOptions {
  /** Unique id of this worker, used in logs and events. */
  id: string;
  /** Claims the next job for this worker, or resolves null when none is ready. */
  fetch: (workerId: string) => Promise<Job | null>;
  /** Runs a job to its recorded outcome. Must not throw for handler failures. */
  run: (job: Job, workerId: string) => Promise<unknown>;
  /** Reports an error outside any handler (e.g. the storage is unavailable). */
  onError: (error: unknown, workerId: string) => void;
  /**
   * First idle sleep after an empty poll.
   * @default 10
   */
  minIdleMs?: number;
  /**
   * Longest idle sleep: the bound on how late a worker notices work nobody told it about.
   * @default 1000
   */
  maxIdleMs?: number;
}

/**
 * A single worker loop. `JobQueue` owns several; use it directly only to build your own
 * pool.
 *
 * @example
 * ```ts
 * const worker = new Worker({ id: 'w1', fetch, run, onError: console.error });
 * worker.start();
 * worker.notify();          // new work: wake up now
 * await worker.stop();      // resolves when the job in hand is done
 * ```
 */
export class Worker {
  readonly id: string;
  readonly #opts: Required<WorkerOptions>;
  #running = false;
  #stopping = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #idleMs: number;
  #current: Job | null = null;

  constructor(options: WorkerOptions) {
    this.id = options.id;
    this.#opts = { minIdleMs: 10, maxIdleMs: 1000, ...options };
    this.#idleMs = this.#opts.minIdleMs;
  }

  /** True while the loop runs (between `start()` and the end of `stop()`). */
  get running(): boolean {
    return this.#running;
  }

  /** True while the worker sleeps for lack of work. */
  get idle(): boolean {
    return this.#wake !== null;
  }

  /** The job in hand, or null. */
  get currentJob(): Job | null {
    return this.#current;
  }

  /** Starts the loop. Calling it on a running worker does nothing. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#stopping = false;
    this.#idleMs = this.#opts.minIdleMs;
    this.#loop = this.#run();
  }

  /** Wakes the worker if it sleeps, and resets its idle backoff. */
  notify(): void {
    this.#idleMs = this.#opts.minIdleMs;
    this.#interruptSleep();
  }

  /**
   * Makes the next idle sleeps the longest (`maxIdleMs`): the queue knows when work comes
   * (a rate limit's next slot) and will `notify()` then, so polling sooner would find
   * nothing. `notify()` undoes it.
   */
  rest(): void {
    this.#idleMs = this.#opts.maxIdleMs;
  }

  /** Stops claiming; resolves when the job in hand (if any) has been recorded. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#interruptSleep();
    await this.#loop;
  }

  async #run(): Promise<void> {
    try {
      while (!this.#stopping) {
        let job: Job | null;
        try {
          job = await this.#opts.fetch(this.id);
        } catch (error) {
          this.#opts.onError(error, this.id);
          await this.#sleep(this.#nextIdle());
          continue;
        }
        if (job === null) {
          await this.#sleep(this.#nextIdle());
          continue;
        }
        this.#idleMs = this.#opts.minIdleMs;
        this.#current = job;
        try {
          await this.#opts.run(job, this.id);
        } catch (error) {
          this.#opts.onError(error, this.id);
        } finally {
          this.#current = null;
        }
      }
    } finally {
      this.#running = false;
    }
  }

  #nextIdle(): number {
    const ms = this.#idleMs;
    this.#idleMs = Math.min(this.#opts.maxIdleMs, this.#idleMs * 2);
    return ms;
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(() => this.#interruptSleep(), ms);
    });
  }

  #interruptSleep(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
