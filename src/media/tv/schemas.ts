/**
 * zod schemas of the TV pipeline's job payloads (`scan-tv` → `enrich-tvshow` →
 * `publish-tvshow` → the `notify-*` jobs shared with movies), their types, and their
 * `JobPayloadMap` entries. As for the movie schemas, no field has a zod default, so the
 * type `addJob` accepts and the one a handler reads are the same.
 */
import path from 'node:path';
import { z } from 'zod';

const absolutePath = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} must not be empty`)
    .refine((p) => path.isAbsolute(p), `${what} must be an absolute path`)
    .refine((p) => !p.includes('\0'), `${what} must not contain a NUL byte`);

/** `manual: true` marks work a person started: its chained phases run at `JOB_PRIORITY.HIGH`. */
const manualFlag = z.boolean().optional();

/** Row id of a show (`tv_shows.id`). */
const showIdSchema = z
  .number({ error: 'entityId must be a number' })
  .int('entityId must be a whole number')
  .positive('entityId must be positive');

/** Most paths one `scan-tv` job takes (a Sonarr rename of a whole series stays well below). */
export const MAX_SCAN_PATHS = 1000;

/**
 * `scan-tv`: scan a `tvshows` library, or only some show folders, season folders or
 * episode files inside it (`paths`, present or deleted).
 *
 * @example
 * ```ts
 * await queue.addJob({ type: 'scan-tv', payload: { libraryPath: '/srv/tv', manual: true }, manual: true });
 * await queue.addJob({ type: 'scan-tv', payload: { libraryPath: '/srv/tv', paths: ['/srv/tv/Lost (2004)/Season 01/Lost.S01E01.mkv'] } });
 * await queue.addJob({ type: 'scan-tv', payload: { libraryPath: '/srv/tv', manual: true, refresh: true }, manual: true });
 * ```
 */
export const scanTvSchema = z
  .strictObject(
    {
      /** The library root: show folders are its direct children. */
      libraryPath: absolutePath('libraryPath'),
      /** Only these, each inside `libraryPath`; the whole library when absent. */
      paths: z
        .array(absolutePath('paths[]'), { error: 'paths must be a list of absolute paths' })
        .min(1, 'paths must not be empty (leave it out to scan the whole library)')
        .max(MAX_SCAN_PATHS, `paths takes at most ${MAX_SCAN_PATHS} entries`)
        .optional(),
      manual: manualFlag,
      /**
       * Re-enrich and re-publish every show found, with the settings in force, even the
       * unchanged ones (players then hear of what that changed).
       */
      refresh: z.boolean({ error: 'refresh must be a boolean' }).optional(),
    },
    {
      error:
        'scan-tv takes { libraryPath, paths?, manual?, refresh? }: an absolute libraryPath, optionally a list of absolute paths inside it',
    },
  )
  .refine((p) => (p.paths ?? []).every((inner) => isBelow(p.libraryPath, inner)), {
    error: 'every entry of paths must lie inside libraryPath',
    path: ['paths'],
  });
/** Payload of `scan-tv`. */
export type ScanTvPayload = z.infer<typeof scanTvSchema>;

/** Strictly below `parent`, on whole segments. */
function isBelow(parent: string, child: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** `enrich-tvshow`: look one show (its details, the seasons on disk and their episodes) up at the provider. */
export const enrichTvShowSchema = z.strictObject({
  entityType: z.literal('tvshow', { error: 'entityType must be "tvshow"' }),
  entityId: showIdSchema,
  manual: manualFlag,
});
/** Payload of `enrich-tvshow`. */
export type EnrichTvShowPayload = z.infer<typeof enrichTvShowSchema>;

/**
 * `publish-tvshow`: write `tvshow.nfo`, the show and season artwork, and the NFO (and
 * still) of every episode file that changed since its last publish (every file when manual).
 */
export const publishTvShowSchema = z.strictObject({
  entityType: z.literal('tvshow', { error: 'entityType must be "tvshow"' }),
  entityId: showIdSchema,
  /** Library root the show lives in: every file written must stay inside it. */
  libraryPath: absolutePath('libraryPath'),
  manual: manualFlag,
});
/** Payload of `publish-tvshow`. */
export type PublishTvShowPayload = z.infer<typeof publishTvShowSchema>;

/** The TV job types and their payload schemas (part of `MEDIA_JOB_SCHEMAS`). */
export const TV_JOB_SCHEMAS = {
  'scan-tv': scanTvSchema,
  'enrich-tvshow': enrichTvShowSchema,
  'publish-tvshow': publishTvShowSchema,
} as const;

declare global {
  namespace Phaseq {
    interface JobPayloadMap {
      'scan-tv': ScanTvPayload;
      'enrich-tvshow': EnrichTvShowPayload;
      'publish-tvshow': PublishTvShowPayload;
    }
  }
}
