/**
 * The JSON catalogue read by {@link LocalProvider}: a list of movies with everything an
 * NFO needs, for offline installs and the demo.
 *
 * @example
 * ```json
 * {
 *   "version": 1,
 *   "movies": [
 *     {
 *       "id": "603",
 *       "title": "The Matrix",
 *       "year": 1999,
 *       "aliases": ["Matrix"],
 *       "plot": "A hacker learns the truth about his reality.",
 *       "runtimeMinutes": 136,
 *       "genres": ["Action", "Science Fiction"],
 *       "premiered": "1999-03-31",
 *       "providerIds": { "tmdb": "603", "imdb": "tt0133093" },
 *       "cast": [{ "name": "Keanu Reeves", "role": "Neo", "thumb": "actors/keanu.jpg" }],
 *       "directors": ["Lana Wachowski", "Lilly Wachowski"],
 *       "translations": { "de": { "title": "Matrix", "plot": "Ein Hacker …" } },
 *       "artwork": [
 *         { "kind": "poster", "url": "art/matrix-poster.jpg", "language": "en", "width": 1000, "height": 1500 },
 *         { "kind": "fanart", "url": "https://example.org/matrix-fanart.jpg", "width": 1920, "height": 1080 }
 *       ]
 *     }
 *   ]
 * }
 * ```
 *
 * `url` (artwork) and `thumb` (actors) are http(s) URLs, `file:` URLs, or file paths;
 * relative paths are relative to the catalogue file's folder. The user guide is
 * docs/guides/local-catalogue.md.
 */
import { z } from 'zod';
import { ARTWORK_KINDS } from '../types.js';
import { localSeriesSchema } from './localSeriesCatalogue.js';

const text = z.string().min(1);

/** One artwork entry of a catalogue movie. */
export const localArtworkSchema = z
  .object({
    kind: z.enum(ARTWORK_KINDS),
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
  })
  .strict();

/** One actor of a catalogue movie; `order` defaults to the position in the list. */
export const localCastSchema = z
  .object({
    name: text,
    role: z.string().default(''),
    order: z.number().int().nonnegative().optional(),
    /** Photo: http(s) URL, `file:` URL, or a path (relative to the catalogue). */
    thumb: text.optional(),
  })
  .strict();

/** Texts of a movie in another language, keyed by language (`de` or `de-DE`). */
export const localTranslationSchema = z.object({ title: text.optional(), plot: text.optional(), tagline: text.optional() }).strict();

/** One movie of the catalogue. */
export const localMovieSchema = z
  .object({
    /** Catalogue id; numbers are accepted and become strings. */
    id: z.union([text, z.number().int().transform(String)]),
    title: text,
    originalTitle: text.optional(),
    /** Other titles the movie is found by. */
    aliases: z.array(text).default([]),
    year: z.number().int().min(1870).max(2200).optional(),
    plot: text.optional(),
    tagline: text.optional(),
    runtimeMinutes: z.number().int().positive().optional(),
    genres: z.array(text).default([]),
    studios: z.array(text).default([]),
    premiered: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
      .optional(),
    rating: z.number().min(0).max(10).optional(),
    votes: z.number().int().nonnegative().optional(),
    certification: text.optional(),
    providerIds: z.record(z.string(), text).default({}),
    cast: z.array(localCastSchema).default([]),
    directors: z.array(text).default([]),
    writers: z.array(text).default([]),
    translations: z.record(z.string(), localTranslationSchema).default({}),
    artwork: z.array(localArtworkSchema).default([]),
  })
  .strict();

/**
 * The whole catalogue file: `movies`, and `series` for TV libraries (see
 * `localSeriesCatalogue.ts`); either may be left out. Ids must be unique within each list.
 */
export const localCatalogueSchema = z
  .object({
    version: z.literal(1).default(1),
    movies: z.array(localMovieSchema).default([]),
    series: z.array(localSeriesSchema).default([]),
  })
  .strict()
  .superRefine((catalogue, ctx) => {
    for (const list of ['movies', 'series'] as const) {
      const seen = new Set<string>();
      catalogue[list].forEach((entry, index) => {
        if (seen.has(entry.id)) ctx.addIssue({ code: 'custom', path: [list, index, 'id'], message: `duplicate id "${entry.id}"` });
        seen.add(entry.id);
      });
    }
  });

/** A catalogue as written in the file (defaults optional). */
export type LocalCatalogueInput = z.input<typeof localCatalogueSchema>;
/** A validated catalogue, defaults applied. */
export type LocalCatalogue = z.output<typeof localCatalogueSchema>;
/** A validated catalogue movie. */
export type LocalMovie = LocalCatalogue['movies'][number];
