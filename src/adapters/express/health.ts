/**
 * `GET /health`: whether the database answers, whether workers run, and how deep the
 * queue is. 200 when all is well, 503 otherwise, so load balancers can use it as is.
 */
import type { Router } from 'express';
import { express } from './peer.js';
import { allowDeclaredMethods } from './methods.js';
import type { PhaseConfigService } from '../../phases/PhaseConfigService.js';
import type { PhaseSchemas } from '../../phases/phaseConfig.js';
import type { JobQueue } from '../../JobQueue.js';
import type { QueueStats } from '../../types.js';
import { phaseqErrorHandler, type AdapterLogger } from './errors.js';
import { checkRouterOptions, type RouterOptions } from './options.js';
import { routeGuards } from './security.js';

/** Options of {@link createHealthRouter}. */
export interface HealthRouterOptions extends RouterOptions {
  /**
   * Whether stopped workers make the service unhealthy. Turn it off for a producer-only
   * process (a web front end that only enqueues).
   * @default true
   */
  requireWorkers?: boolean;
}

/** Body of `GET /health`. */
export interface HealthReport {
  /** `ok` (200) or `unavailable` (503). */
  status: 'ok' | 'unavailable';
  /** Whether the job storage (and the settings, when given) answered. */
  database: { reachable: boolean; error?: string };
  workers: { running: boolean; concurrency: number; busy: number };
  /** Job counts; null when the database did not answer. */
  queue: Pick<QueueStats, 'pending' | 'delayed' | 'processing' | 'failed'> | null;
}

async function probe<T>(fn: () => Promise<T>, logger: AdapterLogger | undefined): Promise<{ value: T } | { error: string }> {
  try {
    return { value: await fn() };
  } catch (error) {
    logger?.error({ err: error }, 'health check: database unreachable');
    // The code names the failure without the file names and hosts a message may hold.
    const code = (error as { code?: unknown } | null)?.code;
    return { error: typeof code === 'string' ? code : 'UNREACHABLE' };
  }
}

/**
 * Creates the health router: `GET /health` (relative to where it is mounted).
 *
 * @example
 * ```ts
 * app.use('/api', createHealthRouter({ queue, phases }));
 * // GET /api/health -> 200 { status: 'ok', database: { reachable: true }, workers: { running: true, ... }, queue: { pending: 0, ... } }
 * ```
 */
export function createHealthRouter(
  parts: { queue: JobQueue; phases?: PhaseConfigService<PhaseSchemas> },
  options?: HealthRouterOptions,
): Router {
  const opts = checkRouterOptions(options);
  const requireWorkers = options?.requireWorkers ?? true;
  const { queue } = parts;
  const phases = parts.phases ?? queue.phases;
  const router = express.Router();

  router.get('/health', ...routeGuards(opts), async (_req, res) => {
    const stats = await probe(() => queue.getStats(), opts.logger);
    const settings = phases ? await probe(() => phases.getAll(), opts.logger) : { value: null };
    const failed = 'error' in stats ? stats : 'error' in settings ? settings : null;
    const workersOk = queue.isRunning || !requireWorkers;
    const report: HealthReport = {
      status: failed === null && workersOk ? 'ok' : 'unavailable',
      database: failed === null ? { reachable: true } : { reachable: false, error: failed.error },
      workers: { running: queue.isRunning, concurrency: queue.concurrency, busy: queue.runningJobs.length },
      queue:
        'value' in stats
          ? { pending: stats.value.pending, delayed: stats.value.delayed, processing: stats.value.processing, failed: stats.value.failed }
          : null,
    };
    res
      .status(report.status === 'ok' ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json(report);
  });

  allowDeclaredMethods(router);
  router.use(phaseqErrorHandler(opts));
  return router;
}
