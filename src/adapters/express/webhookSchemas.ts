/**
 * zod schemas of the webhook payloads Radarr and Sonarr send (Settings → Connect →
 * Webhook), written from their published source (`NzbDrone.Core/Notifications/Webhook`):
 * a JSON object with `eventType` (PascalCase) and camelCase fields.
 *
 * Objects are loose: the downloaders add fields between versions, and a field we do not
 * read must not make a delivery fail. The fields phaseq acts on are required and typed
 * (`movie.folderPath`, `movieFile.relativePath`, `series.path`, ...), so a payload that
 * lacks them is refused with a 400 naming the field.
 */
import { z } from 'zod';

const text = z.string();
const optionalText = z.string().nullish();
const id = z.number().int();

/** `movie` of a Radarr payload (WebhookMovie). */
export const radarrMovieSchema = z.looseObject({
  id,
  title: text,
  year: z.number().int().optional(),
  /** The movie's folder as Radarr sees it: mapped to a library path. */
  folderPath: text.min(1, 'folderPath must not be empty'),
  releaseDate: optionalText,
  tmdbId: z.number().int().optional(),
  imdbId: optionalText,
  overview: optionalText,
  tags: z.array(z.string()).nullish(),
});

/** `movieFile` of a Radarr payload (WebhookMovieFile). */
export const radarrMovieFileSchema = z.looseObject({
  id,
  /** Path relative to `movie.folderPath`. */
  relativePath: text.min(1, 'relativePath must not be empty'),
  /** Full path as Radarr sees it. */
  path: optionalText,
  quality: optionalText,
  qualityVersion: z.number().int().optional(),
  releaseGroup: optionalText,
  sceneName: optionalText,
  indexerFlags: optionalText,
  size: z.number().optional(),
  dateAdded: optionalText,
  mediaInfo: z.looseObject({}).nullish(),
});

const common = {
  instanceName: optionalText,
  applicationUrl: optionalText,
};

const healthFields = {
  ...common,
  level: text,
  message: text,
  type: text,
  wikiUrl: optionalText,
};

const downloadClientFields = {
  downloadClient: optionalText,
  downloadClientType: optionalText,
  downloadId: optionalText,
  customFormatInfo: z.looseObject({}).nullish(),
};

/** Every Radarr webhook event phaseq understands, told apart by `eventType`. */
export const radarrWebhookSchema = z.discriminatedUnion(
  'eventType',
  [
    // The "Test" button: Radarr sends a made-up movie (folder "C:\testpath"): acknowledged, never scanned.
    z.looseObject({ eventType: z.literal('Test'), ...common, movie: z.looseObject({}).nullish() }),
    z.looseObject({
      eventType: z.literal('Grab'),
      ...common,
      movie: radarrMovieSchema,
      remoteMovie: z.looseObject({}).nullish(),
      release: z.looseObject({}).nullish(),
      ...downloadClientFields,
    }),
    // "On Import" / "On Upgrade": the file is in the library now.
    z.looseObject({
      eventType: z.literal('Download'),
      ...common,
      movie: radarrMovieSchema,
      movieFile: radarrMovieFileSchema,
      isUpgrade: z.boolean(),
      remoteMovie: z.looseObject({}).nullish(),
      release: z.looseObject({}).nullish(),
      deletedFiles: z.array(radarrMovieFileSchema.extend({ recycleBinPath: optionalText })).nullish(),
      ...downloadClientFields,
    }),
    z.looseObject({
      eventType: z.literal('Rename'),
      ...common,
      movie: radarrMovieSchema,
      renamedMovieFiles: z
        .array(radarrMovieFileSchema.extend({ previousRelativePath: optionalText, previousPath: optionalText }))
        .nullish(),
    }),
    z.looseObject({
      eventType: z.literal('MovieDelete'),
      ...common,
      movie: radarrMovieSchema,
      deletedFiles: z.boolean().optional(),
      movieFolderSize: z.number().optional(),
    }),
    z.looseObject({
      eventType: z.literal('MovieFileDelete'),
      ...common,
      movie: radarrMovieSchema,
      movieFile: radarrMovieFileSchema,
      deleteReason: optionalText,
    }),
    z.looseObject({ eventType: z.literal('MovieAdded'), ...common, movie: radarrMovieSchema, addMethod: optionalText }),
    z.looseObject({ eventType: z.literal('Health'), ...healthFields }),
    z.looseObject({ eventType: z.literal('HealthRestored'), ...healthFields }),
    z.looseObject({ eventType: z.literal('ApplicationUpdate'), ...common, message: text, previousVersion: text, newVersion: text }),
    z.looseObject({
      eventType: z.literal('ManualInteractionRequired'),
      ...common,
      movie: radarrMovieSchema,
      downloadInfo: z.looseObject({}).nullish(),
      downloadStatus: optionalText,
      ...downloadClientFields,
    }),
  ],
  {
    error:
      'eventType must be one of Test, Grab, Download, Rename, MovieDelete, MovieFileDelete, MovieAdded, Health, HealthRestored, ApplicationUpdate, ManualInteractionRequired',
  },
);
/** A validated Radarr webhook payload. */
export type RadarrWebhook = z.infer<typeof radarrWebhookSchema>;

/** `series` of a Sonarr payload (WebhookSeries). */
export const sonarrSeriesSchema = z.looseObject({
  id,
  title: text,
  /** The series folder as Sonarr sees it: mapped to a library path. */
  path: text.min(1, 'path must not be empty'),
  titleSlug: optionalText,
  tvdbId: z.number().int().optional(),
  tvMazeId: z.number().int().optional(),
  tmdbId: z.number().int().optional(),
  imdbId: optionalText,
  type: optionalText,
  year: z.number().int().optional(),
  tags: z.array(z.string()).nullish(),
});

/** One of `episodes` of a Sonarr payload (WebhookEpisode). */
export const sonarrEpisodeSchema = z.looseObject({
  id,
  episodeNumber: z.number().int(),
  seasonNumber: z.number().int(),
  title: optionalText,
  airDate: optionalText,
  airDateUtc: optionalText,
  seriesId: z.number().int().optional(),
});

/** `episodeFile` of a Sonarr payload (WebhookEpisodeFile). */
export const sonarrEpisodeFileSchema = z.looseObject({
  id,
  /** Path relative to `series.path`: what phaseq scans. */
  relativePath: text.min(1, 'relativePath must not be empty'),
  /** `series.path` joined with `relativePath`, as Sonarr sees it. */
  path: optionalText,
  quality: optionalText,
  qualityVersion: z.number().int().optional(),
  releaseGroup: optionalText,
  sceneName: optionalText,
  size: z.number().optional(),
  dateAdded: optionalText,
  mediaInfo: z.looseObject({}).nullish(),
});

/** Every Sonarr webhook event phaseq understands, told apart by `eventType`. */
export const sonarrWebhookSchema = z.discriminatedUnion(
  'eventType',
  [
    z.looseObject({
      eventType: z.literal('Test'),
      ...common,
      series: z.looseObject({}).nullish(),
      episodes: z.array(z.looseObject({})).nullish(),
    }),
    z.looseObject({
      eventType: z.literal('Grab'),
      ...common,
      series: sonarrSeriesSchema,
      episodes: z.array(sonarrEpisodeSchema),
      release: z.looseObject({}).nullish(),
      ...downloadClientFields,
    }),
    // "On Import" / "On Upgrade" (WebhookImportPayload): one `episodeFile`. Sonarr 4 also
    // sends `Download` when a whole import completes (WebhookImportCompletePayload): every
    // file in `episodeFiles`, no `isUpgrade`. Either list names what to scan.
    z
      .looseObject({
        eventType: z.literal('Download'),
        ...common,
        series: sonarrSeriesSchema,
        episodes: z.array(sonarrEpisodeSchema),
        episodeFile: sonarrEpisodeFileSchema.optional(),
        episodeFiles: z.array(sonarrEpisodeFileSchema).optional(),
        isUpgrade: z.boolean().optional(),
        sourcePath: optionalText,
        destinationPath: optionalText,
        release: z.looseObject({}).nullish(),
        deletedFiles: z.array(sonarrEpisodeFileSchema.extend({ recycleBinPath: optionalText })).nullish(),
        ...downloadClientFields,
      })
      .refine((e) => e.episodeFile !== undefined || (e.episodeFiles ?? []).length > 0, {
        error: 'a Download needs episodeFile (or episodeFiles) with the imported file',
        path: ['episodeFile'],
      }),
    z.looseObject({
      eventType: z.literal('Rename'),
      ...common,
      series: sonarrSeriesSchema,
      renamedEpisodeFiles: z
        .array(sonarrEpisodeFileSchema.extend({ previousRelativePath: optionalText, previousPath: optionalText }))
        .nullish(),
    }),
    z.looseObject({ eventType: z.literal('SeriesAdd'), ...common, series: sonarrSeriesSchema }),
    z.looseObject({ eventType: z.literal('SeriesDelete'), ...common, series: sonarrSeriesSchema, deletedFiles: z.boolean().optional() }),
    z.looseObject({
      eventType: z.literal('EpisodeFileDelete'),
      ...common,
      series: sonarrSeriesSchema,
      episodes: z.array(sonarrEpisodeSchema),
      episodeFile: sonarrEpisodeFileSchema,
      deleteReason: optionalText,
    }),
    z.looseObject({ eventType: z.literal('Health'), ...healthFields }),
    z.looseObject({ eventType: z.literal('HealthRestored'), ...healthFields }),
    z.looseObject({ eventType: z.literal('ApplicationUpdate'), ...common, message: text, previousVersion: text, newVersion: text }),
    z.looseObject({
      eventType: z.literal('ManualInteractionRequired'),
      ...common,
      series: sonarrSeriesSchema,
      episodes: z.array(sonarrEpisodeSchema).nullish(),
      downloadInfo: z.looseObject({}).nullish(),
      downloadStatus: optionalText,
      ...downloadClientFields,
    }),
  ],
  {
    error:
      'eventType must be one of Test, Grab, Download, Rename, SeriesAdd, SeriesDelete, EpisodeFileDelete, Health, HealthRestored, ApplicationUpdate, ManualInteractionRequired',
  },
);
/** A validated Sonarr webhook payload. */
export type SonarrWebhook = z.infer<typeof sonarrWebhookSchema>;
