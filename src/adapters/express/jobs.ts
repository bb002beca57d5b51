/**
 * Routes of the job queue: enqueue (validated), list, stats, one job, cancel, retry a
 * dead-letter job, and the live event stream. Mount on `/api`. The routes only
 * translate HTTP into `JobQueue` calls; the queue does every check.
 */
import type { Router } from 'express';
import { express } from './peer.js';
import { allowDeclaredMethods } from './methods.js';
import { ValidationError, type ValidationIssue } from '../../errors.js';
import type { PhaseConfigService } from '../../phases/PhaseConfigService.js';
import type { PhaseSchemas } from '../../phases/phaseConfig.js';
import type { JobQueue } from '../../JobQueue.js';
import type { JobListQuery } from '../../storage/types.js';
import type { JobInput } from '../../types.js';
import { jsonBody, objectBody } from './body.js';
import { HttpError, phaseqErrorHandler } from './errors.js';
import { sseHandler } from './events.js';
import { jobView } from './views.js';
import { checkRouterOptions, type RouterOptions } from './options.js';
import { routeGuards } from './security.js';

/** Options of {@link createJobsRouter}. */
export interface JobsRouterOptions extends RouterOptions {
  /**
   * Phase configuration whose changes `GET /events` forwards.
   * @default the queue's `phases`
   */
  phases?: PhaseConfigService<PhaseSchemas>;
  /** Largest page of `GET /jobs`. @default 500 */
  maxPageSize?: number;
}

const STATES = ['pending', 'delayed', 'processing', 'failed'] as const;
const QUERY_KEYS = new Set(['state', 'type', 'limit', 'offset']);

/** `GET /jobs` query string -> JobListQuery; every bad parameter is named. */
function listQuery(query: Record<string, unknown>, maxPageSize: number): Required<Pick<JobListQuery, 'limit' | 'offset'>> & JobListQuery {
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(query)) {
    if (!QUERY_KEYS.has(key)) issues.push({ path: key, message: 'unknown query parameter (use state, type, limit, offset)' });
  }
  const single = (key: string): string | undefined => {
    const value = query[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      issues.push({ path: key, message: 'give it once, as plain text' });
      return undefined;
    }
    return value;
  };
  const int = (key: string, min: number, max: number, fallback: number): number => {
    const text = single(key);
    if (text === undefined) return fallback;
    const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      issues.push({ path: key, message: `must be a whole number from ${min} to ${max}` });
    }
    return n;
  };
  const out: JobListQuery & { limit: number; offset: number } = {
    limit: int('limit', 1, maxPageSize, 50),
    offset: int('offset', 0, Number.MAX_SAFE_INTEGER, 0),
  };
  const state = single('state');
  if (state !== undefined) {
    const known = STATES.find((s) => s === state);
    if (known) out.state = known;
    else issues.push({ path: 'state', message: `must be one of: ${STATES.join(', ')}` });
  }
  const type = single('type');
  if (type !== undefined) {
    if (type === '') issues.push({ path: 'type', message: 'must not be empty' });
    else out.type = type;
  }
  if (issues.length > 0) {
    throw new ValidationError(`Invalid job list query: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  return out;
}

/** The body of `POST /queue/pause` and `/queue/resume`: none, `{}`, or `{ "type": "..." }`. */
function pauseType(body: unknown): string | undefined {
  const fields = objectBody(body, '{ "type": "..." } or no body for the whole queue', true);
  const issues: ValidationIssue[] = Object.keys(fields)
    .filter((key) => key !== 'type')
    .map((key) => ({ path: key, message: 'unknown field (the body takes only an optional type)' }));
  const type = fields.type;
  if (type !== undefined && (typeof type !== 'string' || type.trim() === '')) {
    issues.push({ path: 'type', message: 'must be a non-empty job type, or left out for the whole queue' });
  }
  if (issues.length > 0) {
    throw new ValidationError(`Invalid pause request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  return type as string | undefined;
}

function idParam(id: unknown): string {
  if (typeof id !== 'string' || id === '') throw new HttpError(404, 'NOT_FOUND', 'No job id given');
  return id;
}

/**
 * Creates the jobs router. Routes (relative to where it is mounted):
 *
 * - `POST /jobs` — enqueue `{ type, payload, priority?, delayMs?, runAt?, dedupeKey?, debounceMs?, debounceMaxWaitMs?, maxRetries?, timeoutMs?, manual? }`;
 *   201 `{ id, created: true }`, or 200 `{ id, created: false }` when a job with the same `dedupeKey` is waiting or running
 * - `GET /jobs?state=&type=&limit=&offset=` — stored jobs in claim order
 * - `GET /jobs/stats` — counts per state and per type
 * - `GET /jobs/:id` — one job (404 when it is gone: completed jobs are not kept)
 * - `DELETE /jobs/:id` — cancel: 200 `cancelled`, 202 `cancelling` (running), 404
 * - `POST /jobs/:id/retry` — put a dead-letter (failed) job back to pending
 * - `GET /queue/pause` — what is paused: `{ paused, pausedTypes }`
 * - `POST /queue/pause`, `POST /queue/resume` — body `{ type? }`: pause or resume the whole
 *   queue or one job type, for every process; 200 `{ type, changed, paused, pausedTypes }`
 * - `GET /queue/types` — `{ types }`: each job type registered here or with stored jobs, with
 *   the limits of its registration, its pause and its live workers (`queue.getJobTypes()`)
 * - `GET /events` — server-sent events of the queue and the phase configuration
 *
 * @example
 * ```ts
 * app.use('/api', createJobsRouter(queue, { apiKey: process.env.PHASEQ_API_KEY }));
 * ```
 */
export function createJobsRouter(queue: JobQueue, options?: JobsRouterOptions): Router {
  const opts = checkRouterOptions(options);
  const maxPageSize = options?.maxPageSize ?? 500;
  if (!Number.isInteger(maxPageSize) || maxPageSize < 1) {
    throw new ValidationError('maxPageSize must be a positive whole number', [{ path: 'maxPageSize', message: 'must be >= 1' }]);
  }
  const router = express.Router();
  const guards = routeGuards(opts);
  const body = jsonBody(opts.bodyLimit);

  router.post('/jobs', ...guards, ...body, async (req, res) => {
    // The queue validates the input (type, payload schema, options) and names every problem.
    const input = objectBody(req.body, '{ "type": "...", "payload": { ... } }') as unknown as JobInput;
    const [added] = await queue.addJobsWithOutcome([input]);
    const { id, created } = added!;
    const url = `${req.baseUrl}/jobs/${encodeURIComponent(id)}`;
    // A dedupe hit stored nothing: 200 with the id of the job that holds the key.
    if (created) res.status(201).location(url).json({ id, created });
    else res.status(200).set('Content-Location', url).json({ id, created });
  });

  router.get('/jobs', ...guards, async (req, res) => {
    const query = listQuery(req.query, maxPageSize);
    const jobs = await queue.listJobs(query);
    res.json({ jobs: jobs.map(jobView), limit: query.limit, offset: query.offset });
  });

  router.get('/jobs/stats', ...guards, async (_req, res) => {
    res.json(await queue.getStats());
  });

  router.get('/jobs/:id', ...guards, async (req, res) => {
    const id = idParam(req.params.id);
    const job = await queue.getJob(id);
    if (!job) throw new HttpError(404, 'NOT_FOUND', `No job with id ${id} (completed jobs are not kept)`);
    res.json(jobView(job));
  });

  router.delete('/jobs/:id', ...guards, async (req, res) => {
    const id = idParam(req.params.id);
    const result = await queue.cancelJob(id);
    if (result === 'not_found') throw new HttpError(404, 'NOT_FOUND', `No job with id ${id}`);
    res.status(result === 'cancelled' ? 200 : 202).json({ id, result });
  });

  router.post('/jobs/:id/retry', ...guards, async (req, res) => {
    res.json(jobView(await queue.retryJob(idParam(req.params.id))));
  });

  const pauseView = async (): Promise<{ paused: boolean; pausedTypes: string[] }> => {
    const state = await queue.getPauseState();
    return { paused: state.queue, pausedTypes: state.types };
  };

  router.get('/queue/pause', ...guards, async (_req, res) => {
    res.json(await pauseView());
  });

  for (const action of ['pause', 'resume'] as const) {
    router.post(`/queue/${action}`, ...guards, ...body, async (req, res) => {
      const type = pauseType(req.body);
      const changed = await queue[action](type);
      res.json({ type: type ?? null, changed, ...(await pauseView()) });
    });
  }

  router.get('/queue/types', ...guards, async (_req, res) => {
    res.json({ types: await queue.getJobTypes() });
  });

  router.get('/events', ...guards, sseHandler(queue, { phases: options?.phases ?? queue.phases, logger: opts.logger }));

  allowDeclaredMethods(router);
  router.use(phaseqErrorHandler(opts));
  return router;
}
