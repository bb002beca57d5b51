/**
 * The parts of TMDB v3 answers the TMDB client and providers read, as zod schemas. Fields
 * TMDB may leave out or null are optional/nullable; unknown fields are ignored, so TMDB
 * adding fields never breaks us, while a wrong shape is reported instead of producing
 * half a movie.
 */
import { z } from 'zod';

const optionalText = z.string().nullish();

/** `GET /configuration`: how image URLs are built (https://developer.themoviedb.org/docs/image-basics). */
export const tmdbConfigurationSchema = z.object({
  images: z.object({
    secure_base_url: z.string().min(1),
    poster_sizes: z.array(z.string()).nullish(),
    backdrop_sizes: z.array(z.string()).nullish(),
    logo_sizes: z.array(z.string()).nullish(),
    profile_sizes: z.array(z.string()).nullish(),
    still_sizes: z.array(z.string()).nullish(),
  }),
});

/** One movie as search, `/find` and `/movie/{id}` list it. */
const movieSummarySchema = z.object({
  id: z.number().int(),
  title: z.string(),
  original_title: optionalText,
  release_date: optionalText,
});

/** `GET /search/movie` */
export const tmdbSearchSchema = z.object({ results: z.array(movieSummarySchema) });

/** `GET /movie/{id}` without appended parts: enough to confirm an id written in a folder name. */
export const tmdbMovieSummarySchema = movieSummarySchema;

/** `GET /find/{external_id}?external_source=imdb_id` */
export const tmdbFindSchema = z.object({ movie_results: z.array(movieSummarySchema).nullish() });

/** `GET /movie/{id}/alternative_titles` */
export const tmdbAlternativeTitlesSchema = z.object({
  titles: z.array(z.object({ title: optionalText, iso_3166_1: optionalText })).nullish(),
});

const releaseDatesSchema = z.object({
  results: z.array(
    z.object({
      iso_3166_1: z.string(),
      release_dates: z.array(z.object({ certification: optionalText, type: z.number().nullish(), release_date: optionalText })),
    }),
  ),
});

/** `translations` appended to a movie, collection or series: every language's texts (`name` for series). */
export const tmdbTranslationsSchema = z.object({
  translations: z.array(
    z.object({
      iso_639_1: z.string(),
      iso_3166_1: optionalText,
      data: z.object({ title: optionalText, name: optionalText, overview: optionalText, tagline: optionalText }).nullish(),
    }),
  ),
});

/** `GET /movie/{id}?append_to_response=credits,release_dates,translations` */
export const tmdbDetailsSchema = z.object({
  id: z.number().int(),
  imdb_id: optionalText,
  title: z.string(),
  original_title: optionalText,
  original_language: optionalText,
  overview: optionalText,
  tagline: optionalText,
  runtime: z.number().nullish(),
  release_date: optionalText,
  vote_average: z.number().nullish(),
  vote_count: z.number().nullish(),
  genres: z.array(z.object({ name: z.string() })).nullish(),
  production_companies: z.array(z.object({ name: z.string() })).nullish(),
  belongs_to_collection: z.object({ id: z.number().int(), name: optionalText }).nullish(),
  credits: z
    .object({
      cast: z.array(z.object({ name: z.string(), character: optionalText, order: z.number().nullish(), profile_path: optionalText })),
      crew: z.array(z.object({ name: z.string(), job: optionalText, department: optionalText })),
    })
    .nullish(),
  release_dates: releaseDatesSchema.nullish(),
  translations: tmdbTranslationsSchema.nullish(),
});

/** `GET /collection/{id}` */
export const tmdbCollectionSchema = z.object({
  id: z.number().int(),
  name: optionalText,
  overview: optionalText,
});

const imageSchema = z.object({
  file_path: z.string(),
  iso_639_1: z.string().nullish(),
  width: z.number(),
  height: z.number(),
  vote_average: z.number().nullish(),
  vote_count: z.number().nullish(),
});

/** `GET /movie/{id}/images` */
export const tmdbImagesSchema = z.object({
  posters: z.array(imageSchema).nullish(),
  backdrops: z.array(imageSchema).nullish(),
  logos: z.array(imageSchema).nullish(),
});

/** `GET /movie/{id}/videos` */
export const tmdbVideosSchema = z.object({
  results: z.array(
    z.object({
      key: z.string(),
      site: z.string(),
      type: z.string(),
      size: z.number().nullish(),
      iso_639_1: z.string().nullish(),
      official: z.boolean().nullish(),
    }),
  ),
});

export type TmdbConfiguration = z.infer<typeof tmdbConfigurationSchema>;
export type TmdbMovieSummary = z.infer<typeof movieSummarySchema>;
export type TmdbDetails = z.infer<typeof tmdbDetailsSchema>;
export type TmdbTranslation = z.infer<typeof tmdbTranslationsSchema>['translations'][number];
export type TmdbImage = z.infer<typeof imageSchema>;
