/**
 * The `scan-movie` phase: finds the movies on disk, records them in `movies`, removes the
 * ones whose files are gone (and has the players drop them), and enqueues
 * `enrich-metadata` for every movie that is new, changed, or not enriched yet — or for
 * every movie found, with `refresh`. What counts as a movie is set by the `scan` phase
 * config (ignore globs, size limits, extensions), read when the job runs.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { NotFoundError, UnrecoverableError, ValidationError, type JobContext, type Job, type JobInput } from '../../index.js';
import type { ScannedMovie } from '../db/movieRecords.js';
import type { ScanMoviePayload } from '../schemas.js';
import { scanLibrary, type FoundMovie, type SkipReason } from '../scan/scanLibrary.js';
import { assertLibraryKind, chainPriority, enrichDedupeKey, isInside, isManual, type MediaServices } from './deps.js';
import { enqueuePlayerSyncs } from './playerSyncQueue.js';
import { errnoCode } from '../errno.js';

/** What a `scan-movie` job reports as its result. */
export interface ScanMovieResult {
  /** Library root the movies belong to. */
  libraryPath: string;
  /** Folder or file that was scanned (the library root for a full scan). */
  scanned: string;
  found: number;
  new: number;
  changed: number;
  unchanged: number;
  /** Movies removed because their files are gone. */
  removed: number;
  /** `enrich-metadata` jobs enqueued. */
  enqueued: number;
  /** Files and folders left out by the scan settings. */
  skipped: number;
  /**
   * {@link skipped} by reason, e.g. `{ 'too-small': 40, 'not-video': 2 }`; `episode-file`
   * counts videos named like TV episodes (they belong in a `tvshows` library).
   */
  skippedBy: Partial<Record<SkipReason, number>>;
  /** Ids of the players' pending syncs that removed movies joined or enqueued. */
  playerSyncJobIds: string[];
}

/** The library root a `moviePath` belongs to: a configured root, or the one it was stored under. */
function libraryOf(services: MediaServices, target: string): string {
  const roots = [...services.libraryRoots].sort((a, b) => b.length - a.length);
  const configured = roots.find((root) => isInside(root, target) && root !== target);
  if (configured) return configured;
  const stored = services.movies.getByVideoFile(target) ?? services.movies.listUnder(target)[0];
  if (stored) return stored.libraryPath;
  if (roots.length > 0) {
    throw new UnrecoverableError(`moviePath "${target}" is not inside any configured library (${services.libraryRoots.join(', ')})`);
  }
  // No roots configured and never seen: the folder holding it is the best guess at a library.
  return path.dirname(target);
}

/** Where the scan runs: the library root, the folder to walk, and maybe the one file. */
async function resolveTarget(
  services: MediaServices,
  payload: ScanMoviePayload,
): Promise<{ root: string; target: string; onlyFile?: string; exists: boolean }> {
  if ('libraryPath' in payload) {
    const root = path.resolve(payload.libraryPath);
    if (services.libraryRoots.length > 0 && !services.libraryRoots.some((r) => isInside(r, root))) {
      throw new UnrecoverableError(`libraryPath "${root}" is not one of the configured libraries (${services.libraryRoots.join(', ')})`);
    }
    const info = await stat(root).catch((error: unknown) => {
      if (errnoCode(error) === 'ENOENT') return null;
      throw error;
    });
    // A missing library is an error, never "every movie was deleted": an unmounted disk
    // must not empty the table. Retries apply, since mounts come back.
    if (!info) throw new NotFoundError(`Library path "${root}" does not exist`);
    if (!info.isDirectory()) {
      throw new UnrecoverableError(`Library path "${root}" is a file, not a folder`, {
        cause: new ValidationError('not a folder', [{ path: 'payload.libraryPath', message: 'is a file, not a folder' }]),
      });
    }
    return { root, target: root, exists: true };
  }
  const target = path.resolve(payload.moviePath);
  const root = libraryOf(services, target);
  if (!isInside(root, target)) {
    throw new UnrecoverableError(`moviePath "${target}" is outside its library "${root}"`);
  }
  const info = await stat(target).catch((error: unknown) => {
    if (errnoCode(error) === 'ENOENT') return null;
    throw error;
  });
  if (!info) return { root, target, exists: false };
  if (info.isDirectory()) return { root, target, exists: true };
  return { root, target: path.dirname(target), onlyFile: target, exists: true };
}

/**
 * Builds the `scan-movie` handler.
 *
 * @example
 * ```ts
 * const scanMovie = createScanMovieHandler(services);
 * await queue.addJob({ type: 'scan-movie', payload: { libraryPath: '/srv/movies' }, manual: true });
 * ```
 */
export function createScanMovieHandler(services: MediaServices) {
  return async function scanMovie(job: Job<'scan-movie', ScanMoviePayload>, ctx: JobContext): Promise<ScanMovieResult> {
    const manual = isManual(job);
    const log = ctx.logger;
    const { root, target, onlyFile, exists } = await resolveTarget(services, job.payload);
    // Library kinds: a movie scan never touches a `tvshows` library (it would write movie NFOs there).
    assertLibraryKind(services, target, 'movies', 'scan-movie');
    const result: ScanMovieResult = {
      libraryPath: root,
      scanned: onlyFile ?? target,
      found: 0,
      new: 0,
      changed: 0,
      unchanged: 0,
      removed: 0,
      enqueued: 0,
      skipped: 0,
      skippedBy: {},
      playerSyncJobIds: [],
    };
    // Removed movies travel to the players like publishes do: their sync drops them.
    const tellPlayers = async (): Promise<void> => {
      if (result.removed === 0) return;
      const sync = await ctx.phases.getConfig('playerSync');
      result.playerSyncJobIds = await enqueuePlayerSyncs(services, ctx.queue, { manual, delaySeconds: sync.delaySeconds });
    };

    if (!exists) {
      // A missing library root is an unmounted disk, not a deleted movie.
      if (target === root) throw new NotFoundError(`Library path "${root}" does not exist`);
      // A single movie that disappeared: forget it (and only it). Unknown paths are an error.
      const single = services.movies.getByVideoFile(target);
      const known = single ? [single] : services.movies.listUnder(target);
      if (known.length === 0) throw new NotFoundError(`moviePath "${target}" does not exist and no movie is stored there`);
      for (const movie of known) if (services.movies.delete(movie.id)) result.removed += 1;
      await tellPlayers();
      log.info({ moviePath: target, removed: result.removed }, 'scan: movie files are gone, removed from the library');
      return result;
    }

    const config = await ctx.phases.getConfig('scan');
    log.info({ libraryPath: root, target: result.scanned, manual }, 'scan: walking');
    const walkOptions = onlyFile === undefined ? { signal: ctx.signal } : { signal: ctx.signal, onlyFile };
    const walked = await scanLibrary(root, target, config, walkOptions);
    result.found = walked.movies.length;
    if (onlyFile === undefined && target === root && walked.entries === 0) {
      // An empty library folder is what an unmounted disk looks like: refuse to read it as
      // "every movie was deleted". Retries apply, since mounts come back.
      const stored = services.movies.listUnder(root).length;
      if (stored > 0) {
        throw new NotFoundError(
          `Library path "${root}" is empty but ${stored} movies are stored for it: is the disk mounted? Nothing was removed`,
        );
      }
    }
    result.skipped = walked.skipped.length;
    for (const { reason } of walked.skipped) result.skippedBy[reason] = (result.skippedBy[reason] ?? 0) + 1;
    if (walked.skipped.length > 0) {
      log.debug({ skipped: walked.skipped.slice(0, 50) }, 'scan: paths left out by the scan settings');
    }

    // A refresh, or a manual scan of one movie, re-enriches whatever the movie's state.
    const refresh = job.payload.refresh === true || ('moviePath' in job.payload && manual);
    const toEnrich: JobInput<'enrich-metadata'>[] = [];
    const present = new Set<string>();
    const now = Date.now();
    for (const found of walked.movies) {
      ctx.signal.throwIfAborted();
      present.add(found.videoFile);
      const outcome = services.movies.upsertScanned(toScanned(root, found), now);
      result[outcome.status] += 1;
      if (outcome.status !== 'unchanged' || !outcome.enriched || refresh) {
        toEnrich.push({
          type: 'enrich-metadata',
          payload: { entityType: 'movie', entityId: outcome.id, manual },
          priority: chainPriority(manual),
          manual,
          // One pending enrichment per movie: a rescan while it waits adds nothing.
          dedupeKey: enrichDedupeKey(outcome.id),
        });
      }
    }
    if (onlyFile === undefined) result.removed = services.movies.removeMissing(target, present).length;
    await tellPlayers();

    if (toEnrich.length > 0) await ctx.queue.addJobs(toEnrich);
    result.enqueued = toEnrich.length;
    log.info(result, 'scan: done, enrichment enqueued');
    return result;
  };
}

function toScanned(root: string, found: FoundMovie): ScannedMovie {
  const idHints: Record<string, string> = {};
  if (found.tmdbId !== undefined) idHints['tmdb'] = found.tmdbId;
  if (found.imdbId !== undefined) idHints['imdb'] = found.imdbId;
  return {
    idHints,
    libraryPath: root,
    path: found.folder,
    videoFile: found.videoFile,
    title: found.title,
    year: found.year,
    fileSize: found.size,
    mtime: found.mtime,
  };
}
