/**
 * The media plugin's phases: what each phase of the media pipeline can be told to do, with
 * defaults and ranges. Every phase always runs, in sequence (scan -> enrichment ->
 * publish -> playerSync); these settings change *what* it does, never *whether* it runs.
 * The plugin registers them on the queue's `PhaseConfigService` (`queue.use(media)`).
 *
 * This module needs nothing of phaseq at run time (zod and the ISO lists beside it): the
 * `phaseq` entry re-exports it under the names it always had.
 */
import { z } from 'zod';
import { isIso3166Alpha2 } from './countries.js';
import { isIso6391 } from './languages.js';

const count = (what: string, fallback: number) =>
  z.number().int().min(0).max(50).default(fallback).describe(`How many ${what} to keep per item (0 to 50; 0 keeps none).`);

/** Default `scan.ignorePatterns`: sample folders and files, partial downloads, hidden files. */
const DEFAULT_IGNORE_PATTERNS: readonly string[] = [
  '**/[Ss]ample/**',
  '**/[Ss]amples/**',
  '**/*[._-][Ss]ample.*',
  '**/*.part',
  '**/*.partial',
  '**/*.!qB',
  '**/*.crdownload',
  '**/*.tmp',
  '**/.*',
  '**/.*/**',
];

/** Default `scan.videoExtensions`. */
const DEFAULT_VIDEO_EXTENSIONS: readonly string[] = [
  'mkv',
  'mp4',
  'avi',
  'm4v',
  'mov',
  'ts',
  'm2ts',
  'wmv',
  'mpg',
  'mpeg',
  'webm',
  'flv',
  'vob',
  'iso',
];

/** Settings of the scan phase: which files in a library folder count as movies. */
export const scanConfigSchema = z
  .strictObject({
    ignorePatterns: z
      .array(z.string().min(1, 'a pattern must not be empty').max(500))
      .max(200)
      .default(() => [...DEFAULT_IGNORE_PATTERNS])
      .describe(
        'Glob patterns (picomatch syntax, case-insensitive) of paths to skip, matched against the path relative to ' +
          'the library folder; a pattern without "/" matches a file or folder name. ' +
          'Default: sample folders and files, partial downloads (.part, .!qB, .crdownload, .tmp) and hidden files.',
      ),
    minFileSizeMB: z
      .number()
      .min(0)
      .max(1_048_576)
      .default(50)
      .describe('Video files smaller than this many megabytes (MiB) are ignored: trailers, samples, extras. 0 accepts any size.'),
    maxFileSizeGB: z
      .number()
      .min(0)
      .max(100_000)
      .default(100)
      .describe('Video files larger than this many gigabytes (GiB) are ignored. 0 means no upper limit.'),
    videoExtensions: z
      .array(
        z
          .string()
          .trim()
          .toLowerCase()
          .regex(/^[a-z0-9]{1,10}$/, 'an extension is 1-10 letters or digits, without the dot (e.g. "mkv")'),
      )
      .min(1, 'at least one extension is needed, or no file would ever be found')
      .max(100)
      .refine((list) => new Set(list).size === list.length, 'extensions must not repeat')
      .default(() => [...DEFAULT_VIDEO_EXTENSIONS])
      .describe('File extensions (without the dot, case-insensitive) that are treated as video files.'),
  })
  .superRefine((value, ctx) => {
    if (value.maxFileSizeGB > 0 && value.minFileSizeMB > value.maxFileSizeGB * 1024) {
      ctx.addIssue({
        code: 'custom',
        path: ['minFileSizeMB'],
        message: `must not exceed maxFileSizeGB (${value.maxFileSizeGB} GB = ${value.maxFileSizeGB * 1024} MB)`,
      });
    }
  })
  .describe('Scan: finds the video files of a library folder and records what changed.');

/** Settings of the enrichment phase: metadata and artwork from the providers. */
export const enrichmentConfigSchema = z
  .strictObject({
    fetchProviderAssets: z
      .boolean()
      .default(true)
      .describe('Download artwork and trailers offered by the metadata providers. Off: only local files and metadata are used.'),
    autoSelectAssets: z
      .boolean()
      .default(true)
      .describe('Pick the best artwork automatically (language, resolution, votes). Off: a person picks in the UI.'),
    maxPoster: count('posters', 3),
    maxFanart: count('fanart (backdrop) images', 5),
    maxLogo: count('clear logos', 2),
    maxTrailer: count('trailers', 1),
    // TV only: stills are a kind movies do not have (season posters follow maxPoster).
    maxEpisodeThumb: count('stills (episode thumbnails)', 1).describe(
      'How many stills to keep per TV episode (0 to 50; 0 keeps none); the selected one is written as <episode file>-thumb.jpg. ' +
        'Show and season artwork follow maxPoster, maxFanart and maxLogo.',
    ),
    language: z
      .string()
      .trim()
      .toLowerCase()
      .refine(isIso6391, 'must be an ISO 639-1 language code: two letters such as "en", "de" or "fr"')
      .default('en')
      .describe('Preferred language (ISO 639-1) of metadata and artwork; artwork without text is accepted too.'),
    certificationCountry: z
      .string()
      .trim()
      .toUpperCase()
      .refine(isIso3166Alpha2, 'must be an ISO 3166-1 alpha-2 country code: two letters such as "US", "DE" or "GB"')
      .default('US')
      .describe(
        'Country (ISO 3166-1 alpha-2) whose age rating is written as the certification, e.g. "DE" for FSK ratings. ' +
          'Movies without a rating for that country get none.',
      ),
    minResolution: z
      .number()
      .int()
      .min(0)
      .max(8640)
      .default(720)
      .describe(
        'Smallest image height in pixels that artwork may have (usual: 480, 576, 720, 1080, 1440, 2160, 4320). ' + '0 accepts any size.',
      ),
  })
  .describe('Enrichment: fetches metadata and selects artwork and trailers from the providers.');

/** Settings of the publish phase: what is written next to the video in the library. */
export const publishConfigSchema = z
  .strictObject({
    assets: z
      .boolean()
      .default(true)
      .describe('Write the selected artwork (poster, fanart, logo) next to the video. The NFO file is always written.'),
    actors: z.boolean().default(true).describe('Write actor photos to the .actors folder and list the cast in the NFO.'),
    trailers: z.boolean().default(false).describe('Copy downloaded trailers next to the video (<name>-trailer.<ext>).'),
  })
  .describe('Publish: writes the NFO, artwork, actor photos and trailers into the library.');

/** Settings of the player-sync phase: telling Kodi, Jellyfin or Plex about the change. */
export const playerSyncConfigSchema = z
  .strictObject({
    notify: z
      .boolean()
      .default(true)
      .describe(
        'Tell the configured media players what was published, changed or removed. Off: players find changes on their own schedule.',
      ),
    delaySeconds: z
      .number()
      .int()
      .min(0)
      .max(3600)
      .default(0)
      .describe('Seconds to wait before notifying (0 to 3600), e.g. to let a network share settle.'),
    cleanFirst: z
      .boolean()
      .default(false)
      .describe('Kodi: clean the library folder (drop entries whose files are gone) before syncing, and wait for the clean.'),
    maxWaitSeconds: z
      .number()
      .int()
      .min(10)
      .max(86_400)
      .default(600)
      .describe(
        'Longest wait (10 to 86400 s) for a busy player to become idle and for its scan to finish; ' +
          'past it the sync attempt fails and is retried.',
      ),
  })
  .describe('Player sync: brings media players (Kodi, Jellyfin, Plex) in line with what was published.');

/**
 * The four phases of the media pipeline, in the order they run; the media plugin declares
 * them (`definePlugin({ phases })`).
 */
export const MEDIA_PHASE_SCHEMAS = {
  scan: scanConfigSchema,
  enrichment: enrichmentConfigSchema,
  publish: publishConfigSchema,
  playerSync: playerSyncConfigSchema,
} as const;

/** The schemas of the media phases. */
export type MediaPhaseSchemas = typeof MEDIA_PHASE_SCHEMAS;
/** Settings of the scan phase. */
export type ScanConfig = z.output<typeof scanConfigSchema>;
/** Settings of the enrichment phase. */
export type EnrichmentConfig = z.output<typeof enrichmentConfigSchema>;
/** Settings of the publish phase. */
export type PublishConfig = z.output<typeof publishConfigSchema>;
/** Settings of the player-sync phase. */
export type PlayerSyncConfig = z.output<typeof playerSyncConfigSchema>;
/**
 * Settings of all four media phases: what `PhaseConfigOf<MediaPhaseSchemas>` gives, spelt
 * out so that this file, which the public entry re-exports, imports nothing back from it.
 */
export type PhaseConfiguration = { [P in keyof MediaPhaseSchemas & string]: z.output<MediaPhaseSchemas[P]> };
/** Name of a media phase. */
export type PhaseName = keyof PhaseConfiguration;

/** Freezes an object and everything in it, so the shared defaults cannot be changed by accident. */
function freeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) freeze(inner);
  }
  return value;
}

/**
 * The defaults of the four media phases, deeply frozen.
 *
 * @example
 * ```ts
 * DEFAULT_PHASE_CONFIG.enrichment.maxPoster; // 3
 * ```
 */
export const DEFAULT_PHASE_CONFIG: Readonly<PhaseConfiguration> = freeze({
  scan: scanConfigSchema.parse({}),
  enrichment: enrichmentConfigSchema.parse({}),
  publish: publishConfigSchema.parse({}),
  playerSync: playerSyncConfigSchema.parse({}),
});

declare global {
  namespace Phaseq {
    /** The media plugin's phases, known to `PhaseConfigService`'s types by default. */
    interface PhaseSchemaMap {
      scan: typeof scanConfigSchema;
      enrichment: typeof enrichmentConfigSchema;
      publish: typeof publishConfigSchema;
      playerSync: typeof playerSyncConfigSchema;
    }
  }
}
