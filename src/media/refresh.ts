/**
 * Refresh with the settings in force: re-enrich and re-publish one movie or a whole
 * library even when nothing changed on disk, then let the players' syncs pick up what
 * that changed. The CLI (`phaseq scan --refresh`) and the REST route call this.
 */
import path from 'node:path';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../errors.js';
import type { JobEnqueuer } from '../handlers/HandlerRegistry.js';
import { JOB_PRIORITY } from '../types.js';
import { describeIssues, parseWithIssues } from '../validation.js';
import type { MoviesRepository } from './db/MoviesRepository.js';

/** What to refresh: a library folder (one of the configured ones), or one stored movie. */
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
  ],
  { error: 'give exactly one of libraryPath (an absolute folder) or movieId (a stored movie\'s id)' },
);
/** A refresh target. */
export type RefreshTarget = z.infer<typeof refreshTargetSchema>;

/** What {@link refreshMedia} enqueued. */
export interface RefreshRequest {
  /** The `scan-movie` job (with `refresh: true`) that re-enriches and re-publishes. */
  jobId: string;
  /** The library folder, or the movie's video file, it scans. */
  path: string;
}

/** What the plugin knows that a refresh checks against. */
export interface RefreshContext {
  movies: MoviesRepository;
  /** Configured library roots; when non-empty, only these can be refreshed whole. */
  libraryRoots: readonly string[];
}

/**
 * Enqueues a manual, high-priority scan with `refresh: true` of the target: every movie it
 * finds is enriched and published again with the settings in force, and each player is
 * told of what that changed (nothing, when nothing changed).
 *
 * @throws ValidationError when the target is not `{ libraryPath }` or `{ movieId }`, or the
 *   folder is not a configured library
 * @throws NotFoundError when no movie has that id
 * @example
 * ```ts
 * await refreshMedia(queue, media, { libraryPath: '/srv/movies' });
 * await refreshMedia(queue, media, { movieId: 42 });
 * ```
 */
export async function refreshMedia(queue: JobEnqueuer, context: RefreshContext, target: unknown): Promise<RefreshRequest> {
  const parsed = parseWithIssues(refreshTargetSchema, target);
  if (!parsed.success) {
    throw new ValidationError(`Invalid refresh target: ${describeIssues(parsed.issues, '(body)')}`, parsed.issues);
  }
  let payload: { libraryPath: string } | { moviePath: string };
  if ('libraryPath' in parsed.data) {
    const libraryPath = path.resolve(parsed.data.libraryPath);
    if (context.libraryRoots.length > 0 && !context.libraryRoots.includes(libraryPath)) {
      throw new ValidationError(`"${libraryPath}" is not a configured library (${context.libraryRoots.join(', ')})`, [
        { path: 'libraryPath', message: 'must be one of the configured libraries' },
      ]);
    }
    payload = { libraryPath };
  } else {
    const movie = context.movies.get(parsed.data.movieId);
    if (!movie) throw new NotFoundError(`Movie ${parsed.data.movieId} does not exist`);
    payload = { moviePath: movie.videoFile };
  }
  const jobId = await queue.addJob({
    type: 'scan-movie',
    payload: { ...payload, manual: true, refresh: true },
    manual: true,
    priority: JOB_PRIORITY.HIGH,
  });
  return { jobId, path: 'libraryPath' in payload ? payload.libraryPath : payload.moviePath };
}
