/**
 * The parts of TMDB v3 answers the provider reads, as zod schemas. Fields TMDB may leave
 * out or null are optional/nullable; unknown fields are ignored, so TMDB adding fields
 * never breaks us, while a wrong shape is reported instead of producing half a movie.
 */
import { z } from 'zod';

const optionalText = z.string().nullish();

/** `GET /search/movie` */
export const tmdbSearchSchema = z.object({
  results: z.array(
    z.object({
      id: z.number().int(),
      title: z.string(),
      original_title: optionalText,
      release_date: optionalText,
    }),
  ),
});

const releaseDatesSchema = z.object({
  results: z.array(
    z.object({
      iso_3166_1: z.string(),
      release_dates: z.array(z.object({ certification: z.string().nullish(), type: z.number().nullish() })),
    }),
  ),
});

/** `GET /movie/{id}?append_to_response=credits,release_dates` */
export const tmdbDetailsSchema = z.object({
  id: z.number().int(),
  imdb_id: optionalText,
  title: z.string(),
  original_title: optionalText,
  overview: optionalText,
  tagline: optionalText,
  runtime: z.number().nullish(),
  release_date: optionalText,
  vote_average: z.number().nullish(),
  vote_count: z.number().nullish(),
  genres: z.array(z.object({ name: z.string() })).nullish(),
  production_companies: z.array(z.object({ name: z.string() })).nullish(),
  credits: z
    .object({
      cast: z.array(
        z.object({ name: z.string(), character: optionalText, order: z.number().nullish(), profile_path: optionalText }),
      ),
      crew: z.array(z.object({ name: z.string(), job: optionalText, department: optionalText })),
    })
    .nullish(),
  release_dates: releaseDatesSchema.nullish(),
});

const imageSchema = z.object({
  file_path: z.string(),
  iso_639_1: z.string().nullish(),
  width: z.number(),
  height: z.number(),
  vote_average: z.number().nullish(),
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

export type TmdbDetails = z.infer<typeof tmdbDetailsSchema>;
export type TmdbImage = z.infer<typeof imageSchema>;
