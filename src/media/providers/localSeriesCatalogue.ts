/**
 * The `series` section of the local catalogue (see `localCatalogueSchema`): TV shows with
 * their seasons and episodes, everything `tvshow.nfo` and the episode NFOs need, for
 * offline installs and the demo. Read by the series capability of `LocalProvider`.
 *
 * @example
 * ```json
 * {
 *   "version": 1,
 *   "series": [
 *     {
 *       "id": "1396",
 *       "title": "Breaking Bad",
 *       "year": 2008,
 *       "premiered": "2008-01-20",
 *       "status": "Ended",
 *       "plot": "A chemistry teacher turns to crime.",
 *       "genres": ["Drama", "Crime"],
 *       "studios": ["AMC"],
 *       "providerIds": { "tmdb": "1396", "tvdb": "81189", "imdb": "tt0903747" },
 *       "cast": [{ "name": "Bryan Cranston", "role": "Walter White", "thumb": "actors/bryan.jpg" }],
 *       "artwork": [{ "kind": "poster", "url": "art/bb-poster.jpg", "language": "en", "width": 1000, "height": 1500 }],
 *       "seasons": [
 *         {
 *           "number": 1,
 *           "name": "Season 1",
 *           "premiered": "2008-01-20",
 *           "artwork": [{ "kind": "poster", "url": "art/bb-s1.jpg", "width": 1000, "height": 1500 }],
 *           "episodes": [
 *             {
 *               "number": 1,
 *               "title": "Pilot",
 *               "aired": "2008-01-20",
 *               "plot": "Walter White learns he has cancer.",
 *               "runtimeMinutes": 58,
 *               "directors": ["Vince Gilligan"],
 *               "writers": ["Vince Gilligan"],
 *               "thumbs": [{ "url": "art/bb-s01e01.jpg", "width": 1920, "height": 1080 }]
 *             }
 *           ]
 *         }
 *       ]
 *     }
 *   ]
 * }
 * ```
 *
 * Season 0 holds the specials. `url` (artwork, thumbs) and `thumb` (actors) are http(s)
 * URLs, `file:` URLs or file paths; relative paths are relative to the catalogue file.
 */
import { z } from 'zod';

const text = z.string().min(1);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');

/** One actor: `order` defaults to the position in the list. */
const castSchema = z
  .object({
    name: text,
    role: z.string().default(''),
    order: z.number().int().nonnegative().optional(),
    /** Photo: http(s) URL, `file:` URL, or a path (relative to the catalogue). */
    thumb: text.optional(),
  })
  .strict();

const artworkFields = {
  /** http(s) URL, `file:` URL, or a path (relative to the catalogue). */
  url: text,
  /** Language of the text in the image; null or absent for none. */
  language: z.string().min(2).nullish(),
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
  votes: z.number().nonnegative().default(0),
  /** File extension; taken from `url` when absent. */
  ext: z
    .string()
    .regex(/^[a-z0-9]{1,8}$/i, 'must be a file extension without the dot')
    .optional(),
};

/** Artwork of a show. */
export const localShowArtworkSchema = z
  .object({ kind: z.enum(['poster', 'fanart', 'clearlogo', 'banner', 'landscape', 'clearart']), ...artworkFields })
  .strict();

/** Artwork of a season: posters (and banners or landscape images, passed through). */
export const localSeasonArtworkSchema = z.object({ kind: z.enum(['poster', 'banner', 'landscape']), ...artworkFields }).strict();

/** A still of an episode (its `-thumb.jpg`). */
export const localEpisodeThumbSchema = z.object(artworkFields).strict();

const idsSchema = z.record(z.string(), text).default({});

/** One episode of a catalogue season. */
export const localEpisodeSchema = z
  .object({
    number: z.number().int().nonnegative(),
    title: text,
    plot: text.optional(),
    aired: date.optional(),
    runtimeMinutes: z.number().int().positive().optional(),
    rating: z.number().min(0).max(10).optional(),
    votes: z.number().int().nonnegative().optional(),
    providerIds: idsSchema,
    directors: z.array(text).default([]),
    writers: z.array(text).default([]),
    guestStars: z.array(castSchema).default([]),
    thumbs: z.array(localEpisodeThumbSchema).default([]),
    translations: z.record(z.string(), z.object({ title: text.optional(), plot: text.optional() }).strict()).default({}),
  })
  .strict();

/** One season of a catalogue show; 0 holds the specials. Episode numbers must be unique. */
export const localSeasonSchema = z
  .object({
    number: z.number().int().nonnegative(),
    name: text.optional(),
    plot: text.optional(),
    premiered: date.optional(),
    artwork: z.array(localSeasonArtworkSchema).default([]),
    episodes: z.array(localEpisodeSchema).default([]),
    translations: z.record(z.string(), z.object({ name: text.optional(), plot: text.optional() }).strict()).default({}),
  })
  .strict()
  .superRefine((season, ctx) => {
    const seen = new Set<number>();
    season.episodes.forEach((episode, index) => {
      if (seen.has(episode.number)) {
        ctx.addIssue({ code: 'custom', path: ['episodes', index, 'number'], message: `duplicate episode ${episode.number}` });
      }
      seen.add(episode.number);
    });
  });

/** One show of the catalogue. Season numbers must be unique. */
export const localSeriesSchema = z
  .object({
    /** Catalogue id; numbers are accepted and become strings. */
    id: z.union([text, z.number().int().transform(String)]),
    title: text,
    originalTitle: text.optional(),
    /** Other titles the show is found by. */
    aliases: z.array(text).default([]),
    /** Year of the first episode. */
    year: z.number().int().min(1900).max(2200).optional(),
    premiered: date.optional(),
    plot: text.optional(),
    /** `Continuing`, `Ended`, … as Kodi shows it. */
    status: text.optional(),
    runtimeMinutes: z.number().int().positive().optional(),
    genres: z.array(text).default([]),
    /** Networks and studios. */
    studios: z.array(text).default([]),
    certification: text.optional(),
    rating: z.number().min(0).max(10).optional(),
    votes: z.number().int().nonnegative().optional(),
    /** `tmdb`, `tvdb`, `imdb`, …: written as `<uniqueid>`. */
    providerIds: idsSchema,
    cast: z.array(castSchema).default([]),
    artwork: z.array(localShowArtworkSchema).default([]),
    seasons: z.array(localSeasonSchema).default([]),
    translations: z.record(z.string(), z.object({ title: text.optional(), plot: text.optional() }).strict()).default({}),
  })
  .strict()
  .superRefine((show, ctx) => {
    const seen = new Set<number>();
    show.seasons.forEach((season, index) => {
      if (seen.has(season.number))
        ctx.addIssue({ code: 'custom', path: ['seasons', index, 'number'], message: `duplicate season ${season.number}` });
      seen.add(season.number);
    });
  });

/** A validated catalogue show. */
export type LocalSeries = z.output<typeof localSeriesSchema>;
/** A validated catalogue season. */
export type LocalSeason = LocalSeries['seasons'][number];
/** A validated catalogue episode. */
export type LocalEpisode = LocalSeason['episodes'][number];
