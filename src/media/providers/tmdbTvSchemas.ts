/**
 * The parts of TMDB's TV answers the series provider reads, as zod schemas; the rules of
 * `tmdbSchemas.ts` hold (optional and nullable where TMDB may leave a field out, unknown
 * fields ignored). Pages of https://developer.themoviedb.org/reference: search-tv,
 * find-by-id, tv-series-details (and its append_to_response parts), tv-series-images,
 * tv-series-alternative-titles, tv-season-details, tv-episode-images.
 */
import { z } from 'zod';
import { tmdbImagesSchema, tmdbTranslationsSchema } from './tmdbSchemas.js';

const optionalText = z.string().nullish();

/** One show as `/search/tv`, `/find` and `/tv/{id}` list it. */
const seriesSummarySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  original_name: optionalText,
  original_language: optionalText,
  first_air_date: optionalText,
  /** Countries the show comes from (`["US"]`): tells "The Office (US)" from "(UK)". */
  origin_country: z.array(z.string()).nullish(),
});

/** `GET /search/tv` */
export const tmdbTvSearchSchema = z.object({ results: z.array(seriesSummarySchema) });

/** `GET /tv/{id}` without appended parts: enough to confirm an id written in a folder name. */
export const tmdbTvSummarySchema = seriesSummarySchema;

/** `GET /find/{external_id}?external_source=tvdb_id|imdb_id` */
export const tmdbTvFindSchema = z.object({ tv_results: z.array(seriesSummarySchema).nullish() });

/** `GET /tv/{id}/alternative_titles` (`results`, where movies say `titles`). */
export const tmdbTvAlternativeTitlesSchema = z.object({
  results: z.array(z.object({ title: optionalText, name: optionalText, iso_3166_1: optionalText })).nullish(),
});

const castSchema = z.object({
  name: z.string(),
  character: optionalText,
  order: z.number().nullish(),
  profile_path: optionalText,
});

const crewSchema = z.object({ name: z.string(), job: optionalText, department: optionalText });

/** `aggregate_credits`: the cast of every season, each actor with the roles played and how often. */
const aggregateCastSchema = z.object({
  name: z.string(),
  order: z.number().nullish(),
  profile_path: optionalText,
  roles: z.array(z.object({ character: optionalText, episode_count: z.number().nullish() })).nullish(),
});

/** `GET /tv/{id}?append_to_response=aggregate_credits,credits,content_ratings,external_ids,translations` */
export const tmdbTvDetailsSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  original_name: optionalText,
  original_language: optionalText,
  overview: optionalText,
  first_air_date: optionalText,
  status: optionalText,
  episode_run_time: z.array(z.number()).nullish(),
  vote_average: z.number().nullish(),
  vote_count: z.number().nullish(),
  genres: z.array(z.object({ name: z.string() })).nullish(),
  networks: z.array(z.object({ name: z.string() })).nullish(),
  seasons: z
    .array(
      z.object({
        season_number: z.number().int(),
        name: optionalText,
        overview: optionalText,
        air_date: optionalText,
        episode_count: z.number().nullish(),
      }),
    )
    .nullish(),
  aggregate_credits: z.object({ cast: z.array(aggregateCastSchema) }).nullish(),
  credits: z.object({ cast: z.array(castSchema) }).nullish(),
  content_ratings: z.object({ results: z.array(z.object({ iso_3166_1: z.string(), rating: optionalText })) }).nullish(),
  external_ids: z.object({ imdb_id: optionalText, tvdb_id: z.union([z.number(), z.string()]).nullish() }).nullish(),
  translations: tmdbTranslationsSchema.nullish(),
});

const episodeSchema = z.object({
  id: z.number().int().nullish(),
  episode_number: z.number().int(),
  name: optionalText,
  overview: optionalText,
  air_date: optionalText,
  runtime: z.number().nullish(),
  vote_average: z.number().nullish(),
  vote_count: z.number().nullish(),
  crew: z.array(crewSchema).nullish(),
  guest_stars: z.array(castSchema).nullish(),
});

/** `GET /tv/{id}/season/{n}?append_to_response=images` */
export const tmdbSeasonSchema = z.object({
  season_number: z.number().int(),
  name: optionalText,
  overview: optionalText,
  air_date: optionalText,
  episodes: z.array(episodeSchema).nullish(),
  images: z.object({ posters: tmdbImagesSchema.shape.posters }).nullish(),
});

/** `GET /tv/{id}/season/{n}/episode/{e}/images` */
export const tmdbEpisodeImagesSchema = z.object({ stills: tmdbImagesSchema.shape.posters });

export type TmdbTvSummary = z.infer<typeof seriesSummarySchema>;
export type TmdbTvDetails = z.infer<typeof tmdbTvDetailsSchema>;
export type TmdbSeason = z.infer<typeof tmdbSeasonSchema>;
export type TmdbEpisode = z.infer<typeof episodeSchema>;
export type TmdbCast = z.infer<typeof castSchema>;
