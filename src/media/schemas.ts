/**
 * zod schemas of the media pipeline's job payloads, their inferred types, and the
 * `JobPayloadMap` augmentation that makes `queue.addJob({ type: 'publish', payload })`
 * checked at compile time. The queue validates every payload against these schemas
 * before storing it, so a handler never sees a payload of the wrong shape.
 *
 * No field has a zod default: the type `addJob` accepts and the type a handler reads are
 * then one and the same, so the payload map cannot drift from the schemas.
 */
import path from 'node:path';
import { z } from 'zod';
import { TV_JOB_SCHEMAS } from './tv/schemas.js';

const absolutePath = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} must not be empty`)
    .refine((p) => path.isAbsolute(p), `${what} must be an absolute path`)
    .refine((p) => !p.includes('\0'), `${what} must not contain a NUL byte`);

/** `manual: true` marks work a person started: its chained phases run at `JOB_PRIORITY.HIGH`. */
const manualFlag = z.boolean().optional();

/** Kind of entity a phase works on. Only movies exist today; the field leaves room for more. */
export const entityTypeSchema = z.literal('movie', { error: 'entityType must be "movie"' });

/** Row id of an entity in its table (`movies.id`). */
const entityIdSchema = z
  .number({ error: 'entityId must be a number' })
  .int('entityId must be a whole number')
  .positive('entityId must be positive');

/**
 * `refresh: true` re-enriches and re-publishes every movie found, with the settings in
 * force, even the unchanged ones (players then hear of what that changed).
 */
const refreshFlag = z.boolean().optional();

/**
 * `scan-movie`: scan a whole library folder, or one movie folder / video file inside it.
 *
 * @example
 * ```ts
 * await queue.addJob({ type: 'scan-movie', payload: { libraryPath: '/srv/movies', manual: true }, manual: true });
 * await queue.addJob({ type: 'scan-movie', payload: { moviePath: '/srv/movies/Alien (1979)' } });
 * await queue.addJob({ type: 'scan-movie', payload: { libraryPath: '/srv/movies', refresh: true } });
 * ```
 */
export const scanMovieSchema = z.union(
  [
    z.strictObject({ libraryPath: absolutePath('libraryPath'), manual: manualFlag, refresh: refreshFlag }),
    z.strictObject({ moviePath: absolutePath('moviePath'), manual: manualFlag, refresh: refreshFlag }),
  ],
  {
    error: 'scan-movie needs exactly one of libraryPath or moviePath, an absolute path (and optionally manual: boolean, refresh: boolean)',
  },
);
/** Payload of `scan-movie`. */
export type ScanMoviePayload = z.infer<typeof scanMovieSchema>;

/** `enrich-metadata`: look one movie up at the metadata provider and store what it says. */
export const enrichMetadataSchema = z.strictObject({
  entityType: entityTypeSchema,
  entityId: entityIdSchema,
  manual: manualFlag,
});
/** Payload of `enrich-metadata`. */
export type EnrichMetadataPayload = z.infer<typeof enrichMetadataSchema>;

/** `publish`: write the NFO (and, as configured, artwork, actor photos, trailer) of one movie. */
export const publishSchema = z.strictObject({
  entityType: entityTypeSchema,
  entityId: entityIdSchema,
  /** Library root the movie lives in: every file written must stay inside it. */
  libraryPath: absolutePath('libraryPath'),
  manual: manualFlag,
});
/** Payload of `publish`. */
export type PublishPayload = z.infer<typeof publishSchema>;

/**
 * `notify-kodi` / `notify-jellyfin` / `notify-plex`: bring one configured player in line
 * with what was published. The payload names only the player: what to add, refresh and
 * remove is read from the tables when the job runs, so any number of publishes share one job.
 */
export const notifyPlayerSchema = z.strictObject({
  /** Name of the configured player (`players[].name`). */
  player: z.string({ error: 'player must be a string' }).min(1, 'player must name a configured player'),
  /**
   * The player's sync generation the job was enqueued for (the pipeline sets it). A job
   * whose generation a newer sync has passed makes no call and hands its work on.
   */
  generation: z
    .number({ error: 'generation must be a number' })
    .int('generation must be a whole number')
    .nonnegative('generation must not be negative')
    .optional(),
  manual: manualFlag,
});
/** Payload of the three `notify-*` job types. */
export type NotifyPlayerPayload = z.infer<typeof notifyPlayerSchema>;

/** Reserved: `scheduled-cleanup` (drop movies whose files are gone, stale candidates). */
export const scheduledCleanupSchema = z.strictObject({
  /** Limit the cleanup to one library; all known libraries when absent. */
  libraryPath: absolutePath('libraryPath').optional(),
});
/** Payload of `scheduled-cleanup`. */
export type ScheduledCleanupPayload = z.infer<typeof scheduledCleanupSchema>;

/** Reserved: `scheduled-provider-update` (re-enrich movies whose metadata is old). */
export const scheduledProviderUpdateSchema = z.strictObject({
  /** Re-enrich movies enriched more than this many days ago. */
  olderThanDays: z.number().int().min(0).max(3650).optional(),
  /** At most this many movies per run. */
  limit: z.number().int().min(1).max(100_000).optional(),
});
/** Payload of `scheduled-provider-update`. */
export type ScheduledProviderUpdatePayload = z.infer<typeof scheduledProviderUpdateSchema>;

/** Reserved: `scheduled-verification` (check published files still exist and match). */
export const scheduledVerificationSchema = z.strictObject({
  libraryPath: absolutePath('libraryPath').optional(),
});
/** Payload of `scheduled-verification`. */
export type ScheduledVerificationPayload = z.infer<typeof scheduledVerificationSchema>;

/** Reserved: `webhook-received` (a Radarr/Sonarr/other webhook to translate into jobs). */
export const webhookReceivedSchema = z.strictObject({
  /** Who sent it, e.g. `radarr`. */
  source: z.string().min(1, 'source must not be empty'),
  /** The sender's event name, e.g. `Download`, `MovieDelete`. */
  eventType: z.string().min(1, 'eventType must not be empty'),
  /** The webhook body as received. */
  body: z.record(z.string(), z.unknown()),
  /** Epoch milliseconds of receipt. */
  receivedAt: z.number().int().nonnegative().optional(),
});
/** Payload of `webhook-received`. */
export type WebhookReceivedPayload = z.infer<typeof webhookReceivedSchema>;

/** The notify job type of each player kind. */
export const NOTIFY_JOB_TYPES = {
  kodi: 'notify-kodi',
  jellyfin: 'notify-jellyfin',
  plex: 'notify-plex',
} as const;

/** `'notify-kodi' | 'notify-jellyfin' | 'notify-plex'`. */
export type NotifyJobType = (typeof NOTIFY_JOB_TYPES)[keyof typeof NOTIFY_JOB_TYPES];

/** Every media job type and its payload schema: the plugin registers these; tools that only enqueue use them too. */
export const MEDIA_JOB_SCHEMAS = {
  // The TV pipeline's job types (`scan-tv`, `enrich-tvshow`, `publish-tvshow`) live in tv/schemas.ts.
  ...TV_JOB_SCHEMAS,
  'scan-movie': scanMovieSchema,
  'enrich-metadata': enrichMetadataSchema,
  publish: publishSchema,
  'notify-kodi': notifyPlayerSchema,
  'notify-jellyfin': notifyPlayerSchema,
  'notify-plex': notifyPlayerSchema,
  'scheduled-cleanup': scheduledCleanupSchema,
  'scheduled-provider-update': scheduledProviderUpdateSchema,
  'scheduled-verification': scheduledVerificationSchema,
  'webhook-received': webhookReceivedSchema,
} as const;

declare global {
  namespace Phaseq {
    interface JobPayloadMap {
      'scan-movie': ScanMoviePayload;
      'enrich-metadata': EnrichMetadataPayload;
      publish: PublishPayload;
      'notify-kodi': NotifyPlayerPayload;
      'notify-jellyfin': NotifyPlayerPayload;
      'notify-plex': NotifyPlayerPayload;
      'scheduled-cleanup': ScheduledCleanupPayload;
      'scheduled-provider-update': ScheduledProviderUpdatePayload;
      'scheduled-verification': ScheduledVerificationPayload;
      'webhook-received': WebhookReceivedPayload;
    }
  }
}
