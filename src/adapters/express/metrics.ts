/**
 * Routes of the queue's metrics: `GET /metrics` in the Prometheus text format (through
 * prom-client, an optional peer), and `GET /metrics/history`, the last hour per minute
 * as JSON for small charts. The routes translate; the counting lives in the library.
 */
import type { Router } from 'express';
import { ValidationError } from '../../errors.js';
import { QueueHistory, type QueueHistorySnapshot, type QueueHistorySource } from '../../metrics/QueueHistory.js';
import { phaseqErrorHandler } from './errors.js';
import { express } from './peer.js';
import { allowDeclaredMethods } from './methods.js';
import { checkRouterOptions, type RouterOptions } from './options.js';
import { registerQueueMetrics, type MetricsQueue, type QueueMetricsOptions } from './promMetrics.js';
import { routeGuards } from './security.js';

/** Options of {@link createMetricsRouter}. */
export interface MetricsRouterOptions extends RouterOptions, QueueMetricsOptions {
  /**
   * What `GET /metrics/history` serves: a {@link QueueHistory} of your own, or `false`
   * for no history route.
   * @default a new `QueueHistory` of the queue (per minute, the last hour), which stops
   * with the queue
   */
  history?: Pick<QueueHistory, 'snapshot'> | false;
}

/**
 * Creates the metrics router. Routes (relative to where it is mounted):
 *
 * - `GET /metrics` — the registry's metrics in the Prometheus text format (see
 *   `registerQueueMetrics` for names and labels); 503 `STORAGE_ERROR` when the storage
 *   cannot be read for the `queue_jobs` gauge
 * - `GET /metrics/history` — `QueueHistorySnapshot`: jobs completed and failed per minute
 *   by this process, and the queue's depth sampled each minute, over the last hour
 *
 * Counters and histograms count this process's jobs only, so that summing over processes
 * gives totals; the gauge is read from the storage and is the same in every process.
 *
 * @throws ValidationError for bad options, or metric names the given registry already has
 * @throws PhaseqError `MISSING_DEPENDENCY` when prom-client is not installed
 * @example
 * ```ts
 * app.use('/api', createMetricsRouter(queue, { apiKey: process.env.PHASEQ_API_KEY }));
 * // Prometheus: metrics_path: /api/metrics
 * ```
 */
export function createMetricsRouter(queue: MetricsQueue & QueueHistorySource, options?: MetricsRouterOptions): Router {
  const opts = checkRouterOptions(options);
  const history = options?.history;
  // By shape, not class: a host may load phaseq and phaseq/express as different builds.
  if (history !== undefined && history !== false && typeof (history as { snapshot?: unknown } | null)?.snapshot !== 'function') {
    throw new ValidationError('history must be a QueueHistory or false', [
      { path: 'history', message: 'must be a QueueHistory or false (or left out)' },
    ]);
  }
  const registry = registerQueueMetrics(queue, {
    registry: options?.registry,
    prefix: options?.prefix,
    durationBuckets: options?.durationBuckets,
    waitBuckets: options?.waitBuckets,
  });
  const recorder: { snapshot(): QueueHistorySnapshot } | null = history === false ? null : (history ?? new QueueHistory(queue));
  const router = express.Router();
  const guards = routeGuards(opts);

  router.get('/metrics', ...guards, async (_req, res) => {
    const text = await registry.metrics();
    res.status(200).set({ 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' }).send(text);
  });

  if (recorder) {
    router.get('/metrics/history', ...guards, (_req, res) => {
      res.set('Cache-Control', 'no-store').json(recorder.snapshot());
    });
  }

  allowDeclaredMethods(router);
  router.use(phaseqErrorHandler(opts));
  return router;
}
