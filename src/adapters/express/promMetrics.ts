/**
 * The queue's metrics as prom-client metrics: counters and histograms fed by
 * `observeJobOutcomes`, and a gauge of the queue's depth read from the storage at scrape
 * time. The counting itself lives in the library (`src/metrics`); this file only
 * translates it into prom-client's types.
 *
 * prom-client is an optional peer: it is loaded when metrics are registered, not when
 * `phaseq/express` is imported, so hosts that serve no metrics need not install it. No
 * exported type names prom-client either, so their declarations compile without it.
 */
import type * as PromClient from 'prom-client';
import { ValidationError, type ValidationIssue } from '../../errors.js';
import { requirePeer } from '../../peers.js';
import { observeJobOutcomes, type JobEventSource } from '../../metrics/jobOutcomes.js';
import { queueDepthReader, type QueueDepthSource } from '../../metrics/queueDepth.js';

/**
 * The part of a prom-client `Registry` phaseq uses; any prom-client 15 `Registry` fits.
 * Typed by its shape so that phaseq's declarations do not need prom-client installed.
 */
export interface MetricsRegistry {
  /** The exposition text of every metric in the registry. */
  metrics(): Promise<string>;
  /** The `Content-Type` of that text. */
  readonly contentType: string;
  registerMetric(metric: { get(): Promise<unknown> }): void;
  getSingleMetric(name: string): unknown;
}

/**
 * Buckets of `phaseq_job_duration_seconds` (seconds): from 5 ms (a quick HTTP call) to an
 * hour (a library scan, a transcode), about two and a half per tenfold.
 */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
];

/**
 * Buckets of `phaseq_job_wait_seconds` (seconds): from 1 ms (an idle worker picks a new
 * job up at once) through seconds (a busy queue) to an hour (a backlog).
 */
export const DEFAULT_WAIT_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600, 1800, 3600];

/** Options of {@link registerQueueMetrics}. */
export interface QueueMetricsOptions {
  /**
   * Registry to add the metrics to (your own, so one endpoint serves yours and phaseq's).
   * Metric names must be free in it: for a second queue in the same registry, give a
   * different `prefix`.
   * @default a new prom-client `Registry` holding phaseq's metrics only
   */
  registry?: MetricsRegistry;
  /**
   * Start of every metric name.
   * @default 'phaseq_'
   */
  prefix?: string;
  /** Bucket bounds of the run-time histogram, in seconds. @default DEFAULT_DURATION_BUCKETS */
  durationBuckets?: readonly number[];
  /** Bucket bounds of the wait histogram, in seconds. @default DEFAULT_WAIT_BUCKETS */
  waitBuckets?: readonly number[];
}

/** What {@link registerQueueMetrics} reads: a `JobQueue`. */
export type MetricsQueue = JobEventSource & QueueDepthSource;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Loads prom-client, or says how to install it. */
function loadPromClient(): typeof PromClient {
  return requirePeer<typeof PromClient>('prom-client', 'createMetricsRouter', '^15');
}

function checkBuckets(path: string, buckets: readonly number[] | undefined, issues: ValidationIssue[]): void {
  if (buckets === undefined) return;
  const ok =
    Array.isArray(buckets) &&
    buckets.length > 0 &&
    buckets.every((b, i) => typeof b === 'number' && Number.isFinite(b) && b > 0 && (i === 0 || b > (buckets[i - 1] as number)));
  if (!ok) issues.push({ path, message: 'must be a non-empty list of finite numbers of seconds above 0, each larger than the one before' });
}

/**
 * Registers phaseq's metrics of `queue` in a prom-client registry and returns that
 * registry. Counters and histograms count this process's jobs (outcomes other processes
 * report through `remoteEvents` are left out: sum over processes for totals); the
 * `queue_jobs` gauge is read from the storage at each scrape, the same in every process.
 *
 * | metric | type | labels |
 * | --- | --- | --- |
 * | `phaseq_jobs_completed_total` | counter | `type` |
 * | `phaseq_jobs_failed_total` | counter (failed for good) | `type` |
 * | `phaseq_jobs_retried_total` | counter (failed attempts that run again) | `type` |
 * | `phaseq_jobs_stalled_total` | counter (expired leases this process recovered) | `type` |
 * | `phaseq_job_duration_seconds` | histogram (handler run time of completed jobs) | `type` |
 * | `phaseq_job_wait_seconds` | histogram (run time to start of each attempt) | `type` |
 * | `phaseq_queue_jobs` | gauge (stored jobs) | `state`, `type` |
 *
 * Use it directly to serve metrics without Express; `createMetricsRouter` calls it.
 *
 * @throws ValidationError for a bad prefix or bucket list, or a name the registry already has
 * @throws MissingDependencyError (`MISSING_DEPENDENCY`) when prom-client is not installed
 * @example
 * ```ts
 * import { Registry, collectDefaultMetrics } from 'prom-client';
 * const registry = new Registry();
 * collectDefaultMetrics({ register: registry });
 * registerQueueMetrics(queue, { registry });
 * // serve `await registry.metrics()` with `Content-Type: registry.contentType`
 * ```
 */
export function registerQueueMetrics(queue: MetricsQueue, options: QueueMetricsOptions = {}): MetricsRegistry {
  const prefix = options.prefix ?? 'phaseq_';
  const issues: ValidationIssue[] = [];
  if (typeof prefix !== 'string' || (prefix !== '' && !METRIC_NAME.test(prefix))) {
    issues.push({ path: 'prefix', message: 'must be letters, digits, _ or : and not start with a digit (e.g. "phaseq_media_")' });
  }
  const given = options.registry as Partial<MetricsRegistry> | null | undefined;
  const isRegistry =
    typeof given?.registerMetric === 'function' && typeof given.getSingleMetric === 'function' && typeof given.metrics === 'function';
  if (given !== undefined && !isRegistry) issues.push({ path: 'registry', message: 'must be a prom-client Registry (or left out)' });
  checkBuckets('durationBuckets', options.durationBuckets, issues);
  checkBuckets('waitBuckets', options.waitBuckets, issues);
  if (issues.length > 0) {
    throw new ValidationError(`Invalid metrics options: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }

  const prom = loadPromClient();
  const registry: MetricsRegistry = options.registry ?? new prom.Registry();
  const name = (suffix: string): string => `${prefix}${suffix}`;
  const names = [
    'jobs_completed_total',
    'jobs_failed_total',
    'jobs_retried_total',
    'jobs_stalled_total',
    'job_duration_seconds',
    'job_wait_seconds',
    'queue_jobs',
  ].map(name);
  const taken = names.filter((n) => registry.getSingleMetric(n) !== undefined);
  if (taken.length > 0) {
    throw new ValidationError(
      `The metrics registry already has ${taken.join(', ')}: give each queue's metrics their own registry or a different prefix`,
      taken.map((n) => ({ path: 'registry', message: `already has a metric named ${n}` })),
    );
  }

  // Every type the queue knows is reported from the first scrape, at 0 before its first
  // job, so that rate() and increase() see its first increment.
  const known = new Set<string>();
  const counter = (suffix: string, help: string): PromClient.Counter<'type'> =>
    new prom.Counter({ name: name(suffix), help, labelNames: ['type'], registers: [], collect: knowRegisteredTypes });
  const histogram = (suffix: string, help: string, buckets: readonly number[]): PromClient.Histogram<'type'> =>
    new prom.Histogram({
      name: name(suffix),
      help,
      labelNames: ['type'],
      buckets: [...buckets],
      registers: [],
      collect: knowRegisteredTypes,
    });

  const completed = counter('jobs_completed_total', 'Jobs this process ran to completion.');
  const failed = counter(
    'jobs_failed_total',
    'Jobs that failed for good in this process: no retries left, unrecoverable, or stalled too often.',
  );
  const retried = counter('jobs_retried_total', 'Attempts that failed in this process after which the job runs again.');
  const stalled = counter(
    'jobs_stalled_total',
    'Jobs this process found with an expired lease (the process running them died): sent back to pending or failed for good.',
  );
  const duration = histogram(
    'job_duration_seconds',
    'Handler run time of the jobs this process completed, in seconds.',
    options.durationBuckets ?? DEFAULT_DURATION_BUCKETS,
  );
  const wait = histogram(
    'job_wait_seconds',
    "Time from a job's run time (when it became ready) to the start of an attempt in this process, in seconds.",
    options.waitBuckets ?? DEFAULT_WAIT_BUCKETS,
  );
  const readDepth = queueDepthReader(queue);
  const depth: PromClient.Gauge<'state' | 'type'> = new prom.Gauge({
    name: name('queue_jobs'),
    help: 'Jobs stored now, by state and type, read from the storage at scrape time (the same in every process sharing it).',
    labelNames: ['state', 'type'],
    registers: [],
    collect: async () => {
      const rows = await readDepth();
      depth.reset();
      for (const row of rows) depth.set({ state: row.state, type: row.type }, row.count);
    },
  });

  function know(type: string): void {
    if (known.has(type)) return;
    known.add(type);
    for (const c of [completed, failed, retried, stalled]) c.inc({ type }, 0);
    for (const h of [duration, wait]) h.zero({ type });
  }
  function knowRegisteredTypes(): void {
    for (const type of queue.registry.types()) know(type);
  }

  for (const metric of [completed, failed, retried, stalled, duration, wait, depth]) registry.registerMetric(metric);
  knowRegisteredTypes();
  observeJobOutcomes(queue, {
    started: (type, seconds) => {
      know(type);
      wait.observe({ type }, seconds);
    },
    completed: (type, seconds) => {
      know(type);
      completed.inc({ type });
      duration.observe({ type }, seconds);
    },
    retried: (type) => {
      know(type);
      retried.inc({ type });
    },
    failed: (type) => {
      know(type);
      failed.inc({ type });
    },
    stalled: (type) => {
      know(type);
      stalled.inc({ type });
    },
  });
  return registry;
}
