/**
 * The `webhook-received` job: a downloader (Radarr, Sonarr) reported that files of one
 * folder changed. The webhook router has already authenticated the delivery, validated it
 * and mapped the folder to a library path (`body.moviePath`, and for Sonarr the changed
 * files in `body.paths`); this handler checks them once more against the configured
 * libraries and enqueues the scan that fits the library's kind at `JOB_PRIORITY.HIGH`:
 * `scan-movie` of the movie folder, or `scan-tv` of exactly the changed episode files.
 * The scan then chains enrich → publish → notify as usual, and also removes what was
 * deleted.
 */
import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { UnrecoverableError, describeIssues, parseWithIssues, JOB_PRIORITY, type Job, type JobContext } from '../../index.js';
import { libraryContaining, type LibraryKind } from '../libraries.js';
import type { WebhookReceivedPayload } from '../schemas.js';
import { isInside, type MediaServices } from './deps.js';

const absolute = (what: string) => z.string().refine((p) => path.isAbsolute(p) && !p.includes('\0'), `${what} must be an absolute path`);

/** What the router puts in `body`: the mapped folder (and the delivery, kept for the log). */
const bodySchema = z.looseObject({
  moviePath: absolute('moviePath'),
  libraryPath: absolute('libraryPath').optional(),
  /** The library's kind as the router was configured; the plugin's own configuration wins. */
  libraryKind: z.enum(['movies', 'tvshows']).optional(),
  /** Sonarr: the changed files and folders. */
  paths: z.array(absolute('paths[]')).min(1).max(1000).optional(),
});

/** What a `webhook-received` job reports. */
export interface WebhookReceivedResult {
  moviePath: string;
  /** Id of the scan job, or null when there was nothing to scan. */
  scanJobId: string | null;
  /** `scan-movie` or `scan-tv`, or null when nothing was scanned. */
  scanType?: 'scan-movie' | 'scan-tv' | null;
  /** `scan-tv`: the paths it scans. */
  paths?: string[];
}

async function present(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * The kind of library the event is for: the plugin's configured library containing the
 * folder; else what the router said; else the downloader's (Sonarr manages series).
 */
function kindOf(services: MediaServices, folder: string, said: LibraryKind | undefined, source: string): LibraryKind {
  return libraryContaining(services.libraries, folder)?.kind ?? said ?? (source === 'sonarr' ? 'tvshows' : 'movies');
}

/**
 * Builds the `webhook-received` handler.
 *
 * @example
 * ```ts
 * // Enqueued by createWebhookRouter; by hand:
 * await queue.addJob({ type: 'webhook-received', payload: { source: 'radarr', eventType: 'Download', body: { moviePath: '/srv/movies/Heat (1995)' } } });
 * ```
 */
export function createWebhookReceivedHandler(services: MediaServices) {
  return async function webhookReceived(
    job: Job<'webhook-received', WebhookReceivedPayload>,
    ctx: JobContext,
  ): Promise<WebhookReceivedResult> {
    const { source, eventType } = job.payload;
    const parsed = parseWithIssues(bodySchema, job.payload.body, 'body');
    if (!parsed.success) {
      const detail = describeIssues(parsed.issues, 'body');
      throw new UnrecoverableError(`webhook-received from ${source} (${eventType}) has no folder to scan: ${detail}`);
    }
    const moviePath = path.resolve(parsed.data.moviePath);
    if (services.libraryRoots.length > 0 && !services.libraryRoots.some((root) => isInside(root, moviePath))) {
      throw new UnrecoverableError(
        `"${moviePath}" from ${source} is not inside any configured library (${services.libraryRoots.join(', ')})`,
      );
    }
    const kind = kindOf(services, moviePath, parsed.data.libraryKind, source);
    if (source === 'sonarr' && kind !== 'tvshows') {
      throw new UnrecoverableError(`"${moviePath}" from sonarr is in a movies library: series are scanned in tvshows libraries only`);
    }
    if (source === 'radarr' && kind !== 'movies') {
      throw new UnrecoverableError(`"${moviePath}" from radarr is in a tvshows library: movies are scanned in movies libraries only`);
    }
    if (kind === 'tvshows') return scanTvPaths(services, ctx, job.payload, moviePath, parsed.data);

    // A deleted folder that holds no known movie: nothing to scan, and scanning it would fail.
    if (!(await present(moviePath)) && services.movies.listUnder(moviePath).length === 0) {
      ctx.logger.info({ source, eventType, moviePath }, 'webhook: folder is gone and holds no known movie, nothing to scan');
      return { moviePath, scanJobId: null };
    }
    const scanJobId = await ctx.queue.addJob({
      type: 'scan-movie',
      payload: { moviePath },
      priority: JOB_PRIORITY.HIGH,
      // Several events about one folder in a row (import, then rename) share one waiting scan.
      dedupeKey: `scan-movie:webhook:${moviePath}`,
    });
    ctx.logger.info({ source, eventType, moviePath, scanJobId }, 'webhook: scan enqueued');
    return { moviePath, scanJobId };
  };
}

/** Enqueues `scan-tv` of the changed paths that exist or hold known episodes. */
async function scanTvPaths(
  services: MediaServices,
  ctx: JobContext,
  payload: WebhookReceivedPayload,
  moviePath: string,
  body: z.infer<typeof bodySchema>,
): Promise<WebhookReceivedResult> {
  const { source, eventType } = payload;
  const library = libraryContaining(services.libraries, moviePath)?.path ?? (body.libraryPath ? path.resolve(body.libraryPath) : undefined);
  if (library === undefined) {
    throw new UnrecoverableError(`"${moviePath}" from ${source} is in no known tvshows library: configure it with kind "tvshows"`);
  }
  const wanted = (body.paths ?? [moviePath]).map((p) => path.resolve(p));
  for (const p of wanted) {
    if (!isInside(library, p) || p === library)
      throw new UnrecoverableError(`"${p}" from ${source} is not inside the library "${library}"`);
  }
  // A deleted path that holds no known episode: nothing to do for it.
  const paths: string[] = [];
  for (const p of wanted) if ((await present(p)) || services.tv.countFilesUnder(p) > 0) paths.push(p);
  if (paths.length === 0) {
    ctx.logger.info({ source, eventType, paths: wanted }, 'webhook: the paths are gone and hold no known episode, nothing to scan');
    return { moviePath, scanJobId: null, scanType: null, paths: [] };
  }
  const scanJobId = await ctx.queue.addJob({
    type: 'scan-tv',
    payload: { libraryPath: library, paths },
    priority: JOB_PRIORITY.HIGH,
    // The same change reported twice (a resend, import then rename) shares one waiting scan.
    dedupeKey: `scan-tv:webhook:${createHash('sha256')
      .update(JSON.stringify([...paths].sort()))
      .digest('hex')
      .slice(0, 32)}`,
  });
  ctx.logger.info({ source, eventType, library, paths, scanJobId }, 'webhook: scan enqueued');
  return { moviePath, scanJobId, scanType: 'scan-tv', paths };
}
