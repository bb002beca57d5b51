/**
 * The recent history of one queue as this process saw it, for small charts: jobs
 * completed and failed per interval (default: per minute, the last hour) and the queue's
 * depth per state sampled once per interval. In memory, bounded, per process; it is not
 * a metrics store (use Prometheus for that) and it starts empty with each process.
 */
import { ValidationError, type ValidationIssue } from '../errors.js';
import type { QueueStats } from '../types.js';
import { HistoryBuckets, type HistoryBucket } from './historyBuckets.js';
import { observeJobOutcomes, type JobEventSource } from './jobOutcomes.js';

/** Options of {@link QueueHistory}. */
export interface QueueHistoryOptions {
  /**
   * Length of one bucket in milliseconds (at least 10).
   * @default 60_000 (one minute)
   */
  intervalMs?: number;
  /**
   * Buckets kept: the history covers `size × intervalMs` (1 to 1,440).
   * @default 60 (with the default interval: the last hour)
   */
  size?: number;
}

/** What {@link QueueHistory} records: a `JobQueue`. */
export interface QueueHistorySource extends JobEventSource {
  getStats(): Promise<QueueStats>;
  /** Told when a depth sample fails (pino's `Logger` fits). */
  readonly logger?: { warn(obj: object, msg?: string): void };
}

/** What {@link QueueHistory.snapshot} returns. */
export interface QueueHistorySnapshot {
  /** Length of one bucket in milliseconds. */
  intervalMs: number;
  /**
   * When this recorder started (epoch ms). Buckets begin there: what happened before is
   * unknown, not zero.
   */
  since: number;
  /** Whether it still records (false once stopped, or once its queue stopped). */
  recording: boolean;
  /**
   * Oldest first, one per interval without gaps, the last one being the current (partial)
   * interval; at most `size`.
   */
  buckets: HistoryBucket[];
}

function checkOptions(options: QueueHistoryOptions): { intervalMs: number; size: number } {
  const { intervalMs = 60_000, size = 60 } = options;
  const issues: ValidationIssue[] = [];
  if (!Number.isSafeInteger(intervalMs) || intervalMs < 10) {
    issues.push({ path: 'intervalMs', message: 'must be a whole number of milliseconds, at least 10' });
  }
  if (!Number.isSafeInteger(size) || size < 1 || size > 1440) {
    issues.push({ path: 'size', message: 'must be a whole number from 1 to 1440' });
  }
  if (issues.length > 0) {
    throw new ValidationError(`Invalid history options: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  return { intervalMs, size };
}

/**
 * Records a queue's recent history from its construction until {@link stop} or the
 * queue's `queue:stopped` event (a queue started again needs a new recorder). Counts are
 * this process's jobs only (see {@link observeJobOutcomes}); the depth is the storage's,
 * shared by every process. The first depth sample is taken at once (opening the queue's
 * storage, as any call does), then one at the start of each interval. Its timer never
 * keeps the process alive.
 *
 * @example
 * ```ts
 * const history = new QueueHistory(queue);
 * // later, e.g. in a route:
 * const { buckets } = history.snapshot();
 * // [{ start: 1796035200000, completed: 12, failed: 1, depth: { pending: 3, delayed: 0, processing: 2, failed: 1 } }, ...]
 * ```
 */
export class QueueHistory {
  readonly intervalMs: number;
  readonly size: number;
  /** When recording began (epoch ms). */
  readonly since: number;
  readonly #queue: QueueHistorySource;
  readonly #buckets: HistoryBuckets;
  readonly #unobserve: () => void;
  #timer: NodeJS.Timeout | null = null;
  #sampling = false;
  #recording = true;

  constructor(queue: QueueHistorySource, options: QueueHistoryOptions = {}) {
    const { intervalMs, size } = checkOptions(options);
    this.intervalMs = intervalMs;
    this.size = size;
    this.#queue = queue;
    this.#buckets = new HistoryBuckets(intervalMs, size);
    this.since = Date.now();
    this.#unobserve = observeJobOutcomes(queue, {
      completed: () => this.#buckets.count('completed', Date.now()),
      failed: () => this.#buckets.count('failed', Date.now()),
    });
    queue.on('queue:stopped', this.#onQueueStopped);
    this.#sample();
    this.#arm();
  }

  /** Whether it still records. */
  get recording(): boolean {
    return this.#recording;
  }

  /** The buckets recorded so far (copies). */
  snapshot(): QueueHistorySnapshot {
    return {
      intervalMs: this.intervalMs,
      since: this.since,
      recording: this.#recording,
      buckets: this.#buckets.list(this.since, Date.now()),
    };
  }

  /** Stops recording; what was recorded stays readable. Calling it again does nothing. */
  stop(): void {
    if (!this.#recording) return;
    this.#recording = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#unobserve();
    this.#queue.off('queue:stopped', this.#onQueueStopped);
  }

  readonly #onQueueStopped = (): void => this.stop();

  /** Wakes at the start of the next interval (a fresh timeout each time, so it never drifts). */
  #arm(): void {
    const now = Date.now();
    this.#timer = setTimeout(
      () => {
        this.#sample();
        this.#arm();
      },
      this.#buckets.startOf(now) + this.intervalMs - now,
    );
    this.#timer.unref();
  }

  #sample(): void {
    // A storage slower than an interval is not asked twice at once.
    if (this.#sampling) return;
    this.#sampling = true;
    // The sample belongs to the interval it was asked in, however long the storage takes.
    const at = Date.now();
    this.#queue
      .getStats()
      .then(
        ({ pending, delayed, processing, failed }) => {
          if (this.#recording) this.#buckets.setDepth({ pending, delayed, processing, failed }, at);
        },
        (error: unknown) => {
          // Once stopped, a sample caught by the storage closing is expected: not a fault.
          if (this.#recording) this.#queue.logger?.warn({ err: error }, 'queue history: depth sample failed');
        },
      )
      .finally(() => {
        this.#sampling = false;
      });
  }
}
