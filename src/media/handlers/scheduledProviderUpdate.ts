/**
 * The `scheduled-provider-update` job: re-enriches movies whose metadata is older than
 * `olderThanDays`, oldest first, at most `limit` per run, by enqueueing `enrich-metadata`
 * at `JOB_PRIORITY.LOW` so that new movies and people's requests always go first. Jobs are
 * added in batches (one transaction each), and a movie already waiting for enrichment is
 * not enqueued twice (same dedupe key as the scan phase uses).
 */
import type { Database } from 'better-sqlite3';
import { JOB_PRIORITY, type Job, type JobInput, type JobContext } from '../../index.js';
import type { ScheduledProviderUpdatePayload } from '../schemas.js';
import type { MediaServices } from './deps.js';

/** Options of {@link createScheduledProviderUpdateHandler}. */
export interface ScheduledProviderUpdateOptions {
  /** Movies enqueued per transaction. @default 100 */
  batchSize?: number;
}

/** What a `scheduled-provider-update` job reports. */
export interface ScheduledProviderUpdateResult {
  /** Movies whose metadata was older than the limit (at most `limit`). */
  stale: number;
  /** Ids of the `enrich-metadata` jobs (existing ids for movies already waiting). */
  jobIds: string[];
  batches: number;
}

/** What a `scheduled-provider-update` payload means when it leaves a field out. */
export const PROVIDER_UPDATE_DEFAULTS = { olderThanDays: 30, limit: 500 } as const;

const DAY_MS = 86_400_000;

/**
 * Builds the `scheduled-provider-update` handler. `database` is the one holding the media tables.
 *
 * @example
 * ```ts
 * await scheduler.schedule('refresh-metadata', { cron: '0 5 * * *' }, { type: 'scheduled-provider-update', payload: { olderThanDays: 90, limit: 200 } });
 * ```
 */
export function createScheduledProviderUpdateHandler(
  services: MediaServices,
  database: Database,
  options: ScheduledProviderUpdateOptions = {},
) {
  const batchSize = options.batchSize ?? 100;
  return async function scheduledProviderUpdate(
    job: Job<'scheduled-provider-update', ScheduledProviderUpdatePayload>,
    ctx: JobContext,
  ): Promise<ScheduledProviderUpdateResult> {
    const olderThanDays = job.payload.olderThanDays ?? PROVIDER_UPDATE_DEFAULTS.olderThanDays;
    const limit = job.payload.limit ?? PROVIDER_UPDATE_DEFAULTS.limit;
    const cutoff = Date.now() - olderThanDays * DAY_MS;
    const roots = services.libraryRoots;
    const inRoots = roots.length > 0 ? `AND library_path IN (${roots.map(() => '?').join(', ')})` : '';
    const ids = (
      database
        .prepare(`SELECT id FROM movies WHERE enriched_at IS NOT NULL AND enriched_at < ? ${inRoots} ORDER BY enriched_at, id LIMIT ?`)
        .all(cutoff, ...roots, limit) as { id: number }[]
    ).map((r) => r.id);
    const result: ScheduledProviderUpdateResult = { stale: ids.length, jobIds: [], batches: 0 };
    for (let i = 0; i < ids.length; i += batchSize) {
      ctx.signal.throwIfAborted();
      const batch: JobInput<'enrich-metadata'>[] = ids.slice(i, i + batchSize).map((entityId) => ({
        type: 'enrich-metadata',
        payload: { entityType: 'movie', entityId },
        priority: JOB_PRIORITY.LOW,
        dedupeKey: `enrich-metadata:movie:${entityId}`,
      }));
      result.jobIds.push(...(await ctx.queue.addJobs(batch)));
      result.batches += 1;
      await ctx.progress({ enqueued: result.jobIds.length, of: ids.length });
    }
    ctx.logger.info({ olderThanDays, limit, stale: result.stale, batches: result.batches }, 'provider update: stale movies enqueued');
    return result;
  };
}
