/**
 * Routes of the media pipeline: the configured libraries with their kinds, counts and
 * progress, a scan of one library, and a refresh of one movie, one TV show or a whole
 * library with the settings in force. Mount on `/api`. They translate HTTP into
 * `listLibraries`, `libraryStatus`, `enqueueLibraryScan` and `refreshMedia`, which do every check.
 */
import { Router } from 'express';
import { refreshMedia, type RefreshContext } from '../../media/refresh.js';
import { libraryStatus, listLibraries, enqueueLibraryScan, type JobReader, type LibraryStatusContext } from '../../media/libraryStatus.js';
import type { JobEnqueuer } from '../../handlers/HandlerRegistry.js';
import { jsonBody, objectBody } from './body.js';
import { phaseqErrorHandler } from './errors.js';
import { checkRouterOptions, type RouterOptions } from './options.js';
import { routeGuards } from './security.js';

/** What the media routes use of the queue: enqueue, and read the stored jobs (a `JobQueue` is one). */
export type MediaRouterQueue = JobEnqueuer & JobReader;

/** What the media routes use of the media plugin (a `MediaPlugin` is one). */
export type MediaRouterContext = RefreshContext & LibraryStatusContext;

/**
 * Creates the media router. Routes (relative to where it is mounted):
 * - `GET /media/libraries` → `200 { libraries: [...] }`: every configured library in
 *   configuration order, each `{ id, path, kind, scanJob, counts, progress }`. `counts`
 *   holds `{ movies, enriched, published }` for a `movies` library and
 *   `{ shows, seasons, episodes, enriched, published }` for a `tvshows` one; `progress` is
 *   `{ phase, jobs }`: the first of `scan`, `enrich`, `publish`, `playerSync` with a job
 *   waiting or running (or `done`), and the stored jobs of each phase by state.
 * - `GET /media/libraries/:id/progress` → `200` the same object for one library; 400
 *   `VALIDATION_ERROR` for an id that is not a whole number from 1, 404 `NOT_FOUND` for
 *   an unknown one.
 * - `POST /media/libraries/:id/scan` → `202 { jobId, type, path, kind }`: a manual scan
 *   of that library with the job of its kind (`scan-movie` or `scan-tv`); 400 and 404 as above.
 * - `POST /media/refresh` with `{ "libraryPath": "/srv/movies" }`, `{ "movieId": 42 }` or
 *   `{ "showId": 7 }` → `202 { jobId, path }`: a manual scan with `refresh: true` is
 *   enqueued (`scan-tv` for a TV library or show; every movie or show re-enriched and
 *   re-published, the players told what changed); 400 `VALIDATION_ERROR` for another body
 *   or a folder that is not a configured library, 404 `NOT_FOUND` for an unknown id.
 *
 * @example
 * ```ts
 * app.use('/api', createMediaRouter(queue, media, { apiKey: process.env.PHASEQ_API_KEY }));
 * ```
 */
export function createMediaRouter(queue: MediaRouterQueue, media: MediaRouterContext, options?: RouterOptions): Router {
  if (!queue || typeof queue.addJob !== 'function' || typeof queue.listJobs !== 'function' || typeof queue.getStats !== 'function') {
    throw new TypeError('createMediaRouter needs a queue (a JobQueue)');
  }
  if (!media || !media.movies || !media.tv || !media.database || !Array.isArray(media.libraryRoots) || !Array.isArray(media.libraries)) {
    throw new TypeError('createMediaRouter needs the media plugin (createMediaPlugin)');
  }
  const opts = checkRouterOptions(options);
  const guards = routeGuards(opts);
  const router = Router();

  router.get('/media/libraries', ...guards, async (_req, res) => {
    res.json({ libraries: await listLibraries(queue, media) });
  });

  router.get('/media/libraries/:id/progress', ...guards, async (req, res) => {
    res.json(await libraryStatus(queue, media, req.params.id));
  });

  router.post('/media/libraries/:id/scan', ...guards, async (req, res) => {
    res.status(202).json(await enqueueLibraryScan(queue, media, req.params.id));
  });

  router.post('/media/refresh', ...guards, ...jsonBody(), async (req, res) => {
    const target = objectBody(req.body, '{ "libraryPath": "/srv/movies" }, { "movieId": 42 } or { "showId": 7 }');
    res.status(202).json(await refreshMedia(queue, media, target));
  });

  router.use(phaseqErrorHandler(opts));
  return router;
}
