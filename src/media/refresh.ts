/**
 * Refresh with the settings in force: re-enrich and re-publish one movie, one TV show or
 * a whole library (of either kind) even when nothing changed on disk, then let the
 * players' syncs pick up what that changed. The CLI (`phaseq scan --refresh`) and the
 * REST route call this.
 */
import path from 'node:path';
import { z } from 'zod';
import { NotFoundError, ValidationError, JOB_PRIORITY, describeIssues, parseWithIssues, type JobEnqueuer } from '../index.js';
import type { MoviesRepository } from './db/MoviesRepository.js';
import type { TvRepository } from './db/TvRepository.js';
import { libraryContaining, scanJobOf, type LibraryRoot } from './libraries.js';

/** What to refresh: a library folder (one of the configured ones), one stored movie, or one stored TV show. */
export const refreshTargetSchema = z.union(
  [
    z.strictObject({
      libraryPath: z
        .string({ error: 'libraryPath must be a string' })
        .refine((p) => path.isAbsolute(p), 'libraryPath must be an absolute path'),
    }),
    z.strictObject({
      movieId: z.number({ error: 'movieId must be a number' }).int('movieId must be a whole number').positive('movieId must be positive'),
    }),
    z.strictObject({
      showId: z.number({ error: 'showId must be a number' }).int('showId must be a whole number').positive('showId must be positive'),
    }),
  ],
  { error: "give exactly one of libraryPath (an absolute folder), movieId (a stored movie's id) or showId (a stored TV show's id)" },
);
/** A refresh target. */
export type RefreshTarget = z.infer<typeof refreshTargetSchema>;

/** What {@link refreshMedia} enqueued. */
export interface RefreshRequest {
  /** The `scan-movie` (or, for TV, `scan-tv`) job with `refresh: true` that re-enriches and re-publishes. */
  jobId: string;
  /** The library folder, the movie's video file, or the show's folder, it scans. */
  path: string;
}

/** What the plugin knows that a refresh checks against. */
export interface RefreshContext {
  movies: MoviesRepository;
  /** The TV shows; without it, `showId` is refused as unknown. @default none */
  tv?: TvRepository;
  /** Configured library roots; when non-empty, only these can be refreshed whole. */
  libraryRoots: readonly string[];
  /** The same roots with their kinds: a `tvshows` library is refreshed by `scan-tv`. @default every root a `movies` library */
  libraries?: readonly LibraryRoot[];
}

/**
 * Enqueues a manual, high-priority scan with `refresh: true` of the target: every movie
 * (or show) it finds is enriched and published again with the settings in force, and each
 * player is told of what that changed (nothing, when nothing changed). A `tvshows` library
 * and a show are scanned by `scan-tv`, everything else by `scan-movie`.
 *
 * @throws ValidationError when the target is not `{ libraryPath }`, `{ movieId }` or
 *   `{ showId }`, or the folder is not a configured library
 * @throws NotFoundError when no movie (or show) has that id
 * @example
 * ```ts
 * await refreshMedia(queue, media, { libraryPath: '/srv/movies' });
 * await refreshMedia(queue, media, { movieId: 42 });
 * await refreshMedia(queue, media, { showId: 7 });
 * ```
 */
export async function refreshMedia(queue: JobEnqueuer, context: RefreshContext, target: unknown): Promise<RefreshRequest> {
  const parsed = parseWithIssues(refreshTargetSchema, target);
  if (!parsed.success) {
    throw new ValidationError(`Invalid refresh target: ${describeIssues(parsed.issues, '(body)')}`, parsed.issues);
  }
  const job = { manual: true, priority: JOB_PRIORITY.HIGH } as const;
  const wanted = parsed.data;
  if ('showId' in wanted) {
    const show = context.tv?.getShow(wanted.showId);
    if (!show) throw new NotFoundError(`TV show ${wanted.showId} does not exist`);
    const payload = { libraryPath: show.libraryPath, paths: [show.path], manual: true, refresh: true };
    return { jobId: await queue.addJob({ type: 'scan-tv', payload, ...job }), path: show.path };
  }
  if ('movieId' in wanted) {
    const movie = context.movies.get(wanted.movieId);
    if (!movie) throw new NotFoundError(`Movie ${wanted.movieId} does not exist`);
    const payload = { moviePath: movie.videoFile, manual: true, refresh: true };
    return { jobId: await queue.addJob({ type: 'scan-movie', payload, ...job }), path: movie.videoFile };
  }
  const libraryPath = path.resolve(wanted.libraryPath);
  if (context.libraryRoots.length > 0 && !context.libraryRoots.includes(libraryPath)) {
    throw new ValidationError(`"${libraryPath}" is not a configured library (${context.libraryRoots.join(', ')})`, [
      { path: 'libraryPath', message: 'must be one of the configured libraries' },
    ]);
  }
  const payload = { libraryPath, manual: true, refresh: true };
  const type = scanJobOf(libraryContaining(context.libraries ?? [], libraryPath)?.kind ?? 'movies');
  return { jobId: await queue.addJob({ type, payload, ...job }), path: libraryPath };
}
