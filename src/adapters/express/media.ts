/**
 * Route of the media pipeline: refresh one movie, one TV show or a whole library with the
 * settings in force. Mount on `/api`. It translates HTTP into `refreshMedia`, which does every check.
 */
import { Router } from 'express';
import { refreshMedia, type RefreshContext } from '../../media/refresh.js';
import type { JobEnqueuer } from '../../handlers/HandlerRegistry.js';
import { jsonBody, objectBody } from './body.js';
import { phaseqErrorHandler } from './errors.js';
import { checkRouterOptions, type RouterOptions } from './options.js';
import { routeGuards } from './security.js';

/**
 * Creates the media router. Route (relative to where it is mounted):
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
export function createMediaRouter(queue: JobEnqueuer, media: RefreshContext, options?: RouterOptions): Router {
  if (!queue || typeof queue.addJob !== 'function') throw new TypeError('createMediaRouter needs a queue');
  if (!media || !media.movies || !Array.isArray(media.libraryRoots)) {
    throw new TypeError('createMediaRouter needs the media plugin (createMediaPlugin)');
  }
  const opts = checkRouterOptions(options);
  const guards = routeGuards(opts);
  const router = Router();

  router.post('/media/refresh', ...guards, ...jsonBody(), async (req, res) => {
    const target = objectBody(req.body, '{ "libraryPath": "/srv/movies" }, { "movieId": 42 } or { "showId": 7 }');
    res.status(202).json(await refreshMedia(queue, media, target));
  });

  router.use(phaseqErrorHandler(opts));
  return router;
}
