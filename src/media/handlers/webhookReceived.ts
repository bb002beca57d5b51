/**
 * The `webhook-received` job: a downloader (Radarr, Sonarr) reported that files of one
 * folder changed. The webhook router has already authenticated the delivery, validated it
 * and mapped the folder to a library path (`body.moviePath`); this handler checks the
 * folder once more against the configured libraries and enqueues `scan-movie` for it at
 * `JOB_PRIORITY.HIGH`. The scan then chains enrich → publish → notify as usual, and also
 * removes the movie when its files were deleted.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { UnrecoverableError } from '../../errors.js';
import type { JobContext } from '../../handlers/HandlerRegistry.js';
import { describeIssues, parseWithIssues } from '../../validation.js';
import { JOB_PRIORITY, type Job } from '../../types.js';
import type { WebhookReceivedPayload } from '../schemas.js';
import { isInside, type MediaServices } from './deps.js';

/** What the router puts in `body`: the mapped folder (and the delivery, kept for the log). */
const bodySchema = z.looseObject({
  moviePath: z.string().refine((p) => path.isAbsolute(p) && !p.includes('\0'), 'moviePath must be an absolute path'),
  libraryPath: z
    .string()
    .refine((p) => path.isAbsolute(p), 'libraryPath must be an absolute path')
    .optional(),
});

/** What a `webhook-received` job reports. */
export interface WebhookReceivedResult {
  moviePath: string;
  /** Id of the `scan-movie` job, or null when there was nothing to scan. */
  scanJobId: string | null;
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
      throw new UnrecoverableError(`"${moviePath}" from ${source} is not inside any configured library (${services.libraryRoots.join(', ')})`);
    }
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
