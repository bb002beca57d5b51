/**
 * Metadata from The Movie Database (TMDB) v3 HTTP API, over the global `fetch`.
 * Every failure — network, non-2xx, an answer of the wrong shape — is a ProviderError
 * carrying the status, so the enrich job's retries decide what happens next.
 */
import path from 'node:path';
import type { z } from 'zod';
import { ProviderError } from '../errors.js';
import type { ArtworkCandidate, ArtworkKind, MetadataProvider, MovieDetails, MovieQuery, MovieSearchResult } from '../types.js';
import {
  type TmdbDetails,
  type TmdbImage,
  tmdbDetailsSchema,
  tmdbImagesSchema,
  tmdbSearchSchema,
  tmdbVideosSchema,
} from './tmdbSchemas.js';

/** Options of {@link TmdbProvider}. */
export interface TmdbProviderOptions {
  /** TMDB v3 API key, sent as the `api_key` query parameter (never logged or put in errors). */
  apiKey: string;
  /** Language used when a call passes an empty one. @default 'en-US' */
  language?: string;
  /** API root. @default 'https://api.themoviedb.org/3' */
  baseUrl?: string;
  /** Prefix of image URLs, size segment included. @default 'https://image.tmdb.org/t/p/original' */
  imageBaseUrl?: string;
  /** Country whose age rating goes into `certification` when the language has no region (`en`). @default 'US' */
  certificationCountry?: string;
}

/** Default of {@link TmdbProviderOptions.baseUrl}. */
export const TMDB_DEFAULT_BASE_URL = 'https://api.themoviedb.org/3';
/** Default of {@link TmdbProviderOptions.imageBaseUrl}. */
export const TMDB_DEFAULT_IMAGE_BASE_URL = 'https://image.tmdb.org/t/p/original';

/** Year of a TMDB `YYYY-MM-DD` date, or null. */
function yearOf(date: string | null | undefined): number | null {
  const match = date ? /^(\d{4})-/.exec(date) : null;
  return match ? Number(match[1]) : null;
}

/** Non-empty string or null: TMDB uses '' and null interchangeably for "none". */
function orNull(value: string | null | undefined): string | null {
  return value ? value : null;
}

/** Names in first-seen order without repeats (a writer credited for screenplay and story appears once). */
function unique(names: Iterable<string>): string[] {
  return [...new Set(names)];
}

/** TMDB's own explanation of an error (`{"status_message": "Invalid API key"}`), when the body has one. */
function statusMessageOf(text: string): string | null {
  try {
    const message = (JSON.parse(text) as { status_message?: unknown } | null)?.status_message;
    return typeof message === 'string' ? message : null;
  } catch {
    // Proxies answer errors with HTML; the status alone then tells what happened.
    return null;
  }
}

/** File extension of a TMDB file path, lower-case, without the dot. */
function extOf(filePath: string): string {
  return path.posix.extname(filePath).slice(1).toLowerCase();
}

/**
 * TMDB provider.
 *
 * @example
 * ```ts
 * const tmdb = new TmdbProvider({ apiKey: process.env.TMDB_API_KEY! });
 * const [hit] = await tmdb.search({ title: 'Heat', year: 1995, language: 'en-US' });
 * ```
 */
export class TmdbProvider implements MetadataProvider {
  readonly name = 'tmdb';
  readonly #apiKey: string;
  readonly #language: string;
  readonly #baseUrl: string;
  readonly #imageBaseUrl: string;
  readonly #certificationCountry: string;

  constructor(options: TmdbProviderOptions) {
    this.#apiKey = options.apiKey;
    this.#language = options.language ?? 'en-US';
    this.#baseUrl = (options.baseUrl ?? TMDB_DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.#imageBaseUrl = (options.imageBaseUrl ?? TMDB_DEFAULT_IMAGE_BASE_URL).replace(/\/+$/, '');
    this.#certificationCountry = options.certificationCountry ?? 'US';
  }

  /**
   * `GET /search/movie`. With a year, TMDB only returns movies released that year; folder
   * years are often one off (festival vs. cinema release), so when that finds nothing the
   * search is repeated without the year and only hits within one year are kept.
   */
  async search(query: MovieQuery, signal?: AbortSignal): Promise<MovieSearchResult[]> {
    const language = query.language || this.#language;
    const params = { query: query.title, language, include_adult: 'false' };
    const toResult = (hit: z.infer<typeof tmdbSearchSchema>['results'][number]): MovieSearchResult => ({
      id: String(hit.id),
      title: hit.title,
      originalTitle: orNull(hit.original_title),
      year: yearOf(hit.release_date),
    });
    if (query.year === undefined) {
      const answer = await this.#get('/search/movie', params, tmdbSearchSchema, signal);
      return answer.results.map(toResult);
    }
    const exact = await this.#get('/search/movie', { ...params, year: String(query.year) }, tmdbSearchSchema, signal);
    if (exact.results.length > 0) return exact.results.map(toResult);
    const loose = await this.#get('/search/movie', params, tmdbSearchSchema, signal);
    const year = query.year;
    return loose.results.map(toResult).filter((hit) => hit.year !== null && Math.abs(hit.year - year) <= 1);
  }

  /** `GET /movie/{id}?append_to_response=credits,release_dates`: details, cast, crew and age ratings in one call. */
  async details(id: string, options: { language: string }, signal?: AbortSignal): Promise<MovieDetails> {
    const language = options.language || this.#language;
    const movie = await this.#get(
      `/movie/${encodeURIComponent(id)}`,
      { language, append_to_response: 'credits,release_dates' },
      tmdbDetailsSchema,
      signal,
    );
    return this.#toDetails(movie, language);
  }

  /**
   * `GET /movie/{id}/images` (every language) and `GET /movie/{id}/videos`. Posters,
   * backdrops (as fanart) and logos (as clearlogo; SVG logos are skipped because Kodi
   * cannot show them) become candidates; YouTube/Vimeo trailers become `trailer`
   * candidates without `ext`, since they are pages, not files.
   */
  async artwork(id: string, signal?: AbortSignal): Promise<ArtworkCandidate[]> {
    const moviePath = `/movie/${encodeURIComponent(id)}`;
    const [images, videos] = await Promise.all([
      this.#get(`${moviePath}/images`, {}, tmdbImagesSchema, signal),
      this.#get(`${moviePath}/videos`, {}, tmdbVideosSchema, signal),
    ]);
    const fromImages = (kind: ArtworkKind, list: TmdbImage[] | null | undefined): ArtworkCandidate[] =>
      (list ?? [])
        .filter((image) => extOf(image.file_path) !== 'svg')
        .map((image) => ({
          kind,
          url: this.#imageBaseUrl + image.file_path,
          language: orNull(image.iso_639_1),
          width: image.width,
          height: image.height,
          votes: image.vote_average ?? 0,
          ext: extOf(image.file_path) || (kind === 'clearlogo' ? 'png' : 'jpg'),
        }));
    const trailers: ArtworkCandidate[] = videos.results
      .filter((video) => video.type === 'Trailer' && (video.site === 'YouTube' || video.site === 'Vimeo'))
      .map((video) => ({
        kind: 'trailer',
        url:
          video.site === 'YouTube'
            ? `https://www.youtube.com/watch?v=${encodeURIComponent(video.key)}`
            : `https://vimeo.com/${encodeURIComponent(video.key)}`,
        language: orNull(video.iso_639_1),
        width: video.size ? Math.round((video.size * 16) / 9) : 0,
        height: video.size ?? 0,
        votes: video.official ? 1 : 0,
      }));
    return [
      ...fromImages('poster', images.posters),
      ...fromImages('fanart', images.backdrops),
      ...fromImages('clearlogo', images.logos),
      ...trailers,
    ];
  }

  #toDetails(movie: TmdbDetails, language: string): MovieDetails {
    const crew = movie.credits?.crew ?? [];
    const cast = (movie.credits?.cast ?? [])
      .map((member, index) => ({
        name: member.name,
        role: member.character ?? '',
        order: member.order ?? index,
        ...(member.profile_path ? { thumbUrl: this.#imageBaseUrl + member.profile_path } : {}),
      }))
      .sort((a, b) => a.order - b.order);
    return {
      providerIds: { tmdb: String(movie.id), ...(movie.imdb_id ? { imdb: movie.imdb_id } : {}) },
      title: movie.title,
      originalTitle: orNull(movie.original_title),
      year: yearOf(movie.release_date),
      plot: orNull(movie.overview),
      tagline: orNull(movie.tagline),
      runtimeMinutes: movie.runtime ? movie.runtime : null,
      genres: (movie.genres ?? []).map((genre) => genre.name),
      studios: (movie.production_companies ?? []).map((company) => company.name),
      premiered: orNull(movie.release_date),
      rating: movie.vote_count ? (movie.vote_average ?? null) : null,
      votes: movie.vote_count ?? null,
      certification: this.#certification(movie, language),
      cast,
      directors: unique(crew.filter((member) => member.job === 'Director').map((member) => member.name)),
      writers: unique(crew.filter((member) => member.department === 'Writing').map((member) => member.name)),
    };
  }

  /** Age rating for the language's country (`de-DE` → DE), theatrical release first. */
  #certification(movie: TmdbDetails, language: string): string | null {
    const country = (/^[a-z]{2,3}-([A-Z]{2})$/i.exec(language)?.[1] ?? this.#certificationCountry).toUpperCase();
    const entry = movie.release_dates?.results.find((result) => result.iso_3166_1.toUpperCase() === country);
    const dates = [...(entry?.release_dates ?? [])].sort((a, b) => Number(a.type !== 3) - Number(b.type !== 3));
    return dates.map((date) => date.certification?.trim()).find((cert) => cert) ?? null;
  }

  /** GET with the api key; turns every failure into a ProviderError naming the path (never the key). */
  async #get<T>(apiPath: string, params: Record<string, string>, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
    const url = new URL(this.#baseUrl + apiPath);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    url.searchParams.set('api_key', this.#apiKey);
    let response: Response;
    try {
      response = await fetch(url, { signal, headers: { Accept: 'application/json' } });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new ProviderError(this.name, apiPath, null, `network error: ${(error as Error).message}`, { cause: error });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new ProviderError(this.name, apiPath, response.status, `connection lost: ${(error as Error).message}`, { cause: error });
    }
    if (!response.ok) {
      throw new ProviderError(this.name, apiPath, response.status, statusMessageOf(text) ?? 'request refused');
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new ProviderError(this.name, apiPath, response.status, 'the answer is not JSON', { cause: error });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown';
      throw new ProviderError(this.name, apiPath, response.status, `unexpected answer (${where})`, { cause: parsed.error });
    }
    return parsed.data;
  }
}
