/**
 * Routes of the recurring jobs: list the schedules with their next run times, and run
 * one now. Mount on `/api`. The routes translate HTTP into scheduler calls; the
 * scheduler does every check.
 */
import type { Router } from 'express';
import { express } from './peer.js';
import { allowDeclaredMethods } from './methods.js';
import type { ScheduleInfo } from '../../scheduler/Scheduler.js';
import { HttpError, phaseqErrorHandler } from './errors.js';
import { checkRouterOptions, type RouterOptions } from './options.js';
import { routeGuards } from './security.js';

/**
 * What the router needs: a `Scheduler` (from `createScheduler`), or a queue that
 * exposes the same two methods.
 */
export interface ScheduleSource {
  listSchedules(): Promise<ScheduleInfo[]>;
  runScheduleNow(name: string): Promise<string>;
}

/**
 * Creates the schedules router. Routes (relative to where it is mounted):
 * - `GET /schedules` → `200 { schedules: ScheduleInfo[] }` (times in epoch milliseconds;
 *   `nextRunAt` null when a cron pattern has no future run)
 * - `POST /schedules/:name/run` → `202 { name, jobId }`; 404 `NOT_FOUND` for an unknown name.
 *   Pressing it again while that run is still pending returns the same job id.
 *
 * @example
 * ```ts
 * app.use('/api', createSchedulesRouter(createScheduler(queue), { apiKey: process.env.PHASEQ_API_KEY }));
 * ```
 */
export function createSchedulesRouter(source: ScheduleSource, options?: RouterOptions): Router {
  if (!source || typeof source.listSchedules !== 'function' || typeof source.runScheduleNow !== 'function') {
    throw new TypeError('createSchedulesRouter needs a scheduler (listSchedules, runScheduleNow)');
  }
  const opts = checkRouterOptions(options);
  const guards = routeGuards(opts);
  const router = express.Router();

  router.get('/schedules', ...guards, async (_req, res) => {
    res.json({ schedules: await source.listSchedules() });
  });

  router.post('/schedules/:name/run', ...guards, async (req, res) => {
    const name = req.params.name;
    if (typeof name !== 'string' || name === '') throw new HttpError(404, 'NOT_FOUND', 'No schedule name given');
    const jobId = await source.runScheduleNow(name);
    res.status(202).json({ name, jobId });
  });

  allowDeclaredMethods(router);
  router.use(phaseqErrorHandler(opts));
  return router;
}
