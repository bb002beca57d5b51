/**
 * Movie metadata from The Movie Database (TMDB), on top of {@link TmdbClient} (credential,
 * timeouts, rate limits, image URLs); TV series through its `series` (`TmdbSeriesProvider.ts`). Every failure is a `ProviderError` carrying the
 * status, so the enrich job's retries decide what happens next; a refused credential is a
 * `ProviderCredentialsError`, which fails the job at once.
 *
 * How a folder finds its movie (one strategy, {@link TmdbProvider.search}):
 * 1. Ids written in the name: a TMDB id is confirmed with `GET /movie/{id}`, an IMDb id
 *    resolved with `GET /find/{id}?external_source=imdb_id`. An id TMDB does not know
 *    (404, no result) falls through to the title.
 * 2. `GET /search/movie?query=…&year=Y`. TMDB's `year` matches any release date of a movie
 *    (`primary_release_year` only its first), so a film shown at a festival in 2004 and in
 *    cinemas in 2005 is found for a folder saying 2005. Then, when nothing matched, the
 *    same search without the year.
 * 3. A hit counts only when its first release is at most one year off the folder's year
 *    and its title or original title has the folder title's key (see `titleKey`), or, for
 *    the first three plausible hits, one of its alternative titles does
 *    (`GET /movie/{id}/alternative_titles`). Nothing else is returned: no match means
 *    the movie is published with what the scan knows.
 */
import type {
  ArtworkCandidate,
  ArtworkKind,
  MetadataProvider,
  MovieDetails,
  MovieQuery,
  MovieSearchResult,
  MovieSet,
  ProviderIds,
  ProviderRequestOptions,
} from '../types.js';
import { TmdbClient, type TmdbImageKind } from './TmdbClient.js';
import { extOf, imageLanguage, orNull, unique, unlessNotFound, yearOf } from './tmdbFields.js';
import { TmdbSeriesProvider } from './TmdbSeriesProvider.js';
import { firstText, localizedText, primaryLanguage } from './tmdbLanguage.js';
import {
  type TmdbDetails,
  type TmdbImage,
  type TmdbMovieSummary,
  tmdbAlternativeTitlesSchema,
  tmdbCollectionSchema,
  tmdbDetailsSchema,
  tmdbFindSchema,
  tmdbImagesSchema,
  tmdbMovieSummarySchema,
  tmdbSearchSchema,
  tmdbVideosSchema,
} from './tmdbSchemas.js';
import { sameTitle, searchText, titleKey, titleMatch } from './titleMatch.js';

export { TMDB_DEFAULT_BASE_URL } from './TmdbClient.js';

/** Options of {@link TmdbProvider}. */
export interface TmdbProviderOptions {
  /**
   * A v3 API key (32 hexadecimal digits, sent as `api_key`) or a v4 API Read Access Token
   * (`eyJ…`, sent as `Authorization: Bearer`): TMDB's API settings page shows both; either
   * works. Never logged or put in errors.
   * @throws ValidationError from the constructor when it is neither
   */
  apiKey: string;
  /** Language used when a call passes an empty one. @default 'en-US' */
  language?: string;
  /** Country whose age rating goes into `certification` when a call names none. @default 'US' */
  certificationCountry?: string;
  /** API root. @default 'https://api.themoviedb.org/3' */
  baseUrl?: string;
  /**
   * Prefix of image URLs, size segment included (`https://image.tmdb.org/t/p/original`).
   * @default built from `GET /configuration`, read once
   */
  imageBaseUrl?: string;
  /** Milliseconds one request may take. @default 10_000 */
  timeoutMs?: number;
  /** Longest `Retry-After` (ms) a rate-limited request waits out before failing with a transient 429. @default 30_000 */
  maxRetryAfterMs?: number;
}

/**
 * Release types whose age rating counts, most wanted first: Theatrical (3), Theatrical
 * limited (2), Digital (4), Physical (5), TV (6), Premiere (1). Cinema and streaming
 * ratings are the ones people know (Kodi's scraper reads TMDB's country release, which is
 * the theatrical one); a festival premiere often carries none or a provisional one.
 * Types from https://developer.themoviedb.org/reference/movie-release-dates.
 */
const CERTIFICATION_TYPE_ORDER = [3, 2, 4, 5, 6, 1];

/** How many plausible hits of one search have their alternative titles compared. */
const ALTERNATIVE_TITLE_LOOKUPS = 3;

function toResult(hit: TmdbMovieSummary): MovieSearchResult {
  return { id: String(hit.id), title: hit.title, originalTitle: orNull(hit.original_title), year: yearOf(hit.release_date) };
}

/**
 * TMDB movie provider.
 *
 * @example
 * ```ts
 * const tmdb = new TmdbProvider({ apiKey: process.env.TMDB_API_KEY! }); // v3 key or v4 token
 * const [hit] = await tmdb.search({ title: 'Heat', year: 1995, language: 'de' });
 * const details = hit && (await tmdb.details(hit.id, { language: 'de', country: 'DE' }));
 * ```
 */
export class TmdbProvider implements MetadataProvider {
  readonly name = 'tmdb';
  /** The HTTP client, shared with {@link series} (one credential check, one configuration read). */
  readonly client: TmdbClient;
  /** TV series from the same TMDB account: `/search/tv`, `/tv/{id}`, seasons and images (see `TmdbSeriesProvider`). */
  readonly series: TmdbSeriesProvider;
  readonly #language: string;
  readonly #certificationCountry: string;

  constructor(options: TmdbProviderOptions) {
    this.client = new TmdbClient({
      credential: options.apiKey,
      name: this.name,
      ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
      ...(options.imageBaseUrl === undefined ? {} : { imageBaseUrl: options.imageBaseUrl }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.maxRetryAfterMs === undefined ? {} : { maxRetryAfterMs: options.maxRetryAfterMs }),
    });
    this.#language = options.language ?? 'en-US';
    this.#certificationCountry = (options.certificationCountry ?? 'US').toUpperCase();
    this.series = new TmdbSeriesProvider(this.client, { language: this.#language, certificationCountry: this.#certificationCountry });
  }

  /** The movie a folder names, by its ids, else by title and year (see the file's comment); `[]` when none matches. */
  async search(query: MovieQuery, signal?: AbortSignal): Promise<MovieSearchResult[]> {
    const language = query.language || this.#language;
    const byId = await this.#byIds(query.ids ?? {}, language, signal);
    if (byId) return [toResult(byId)];
    return (await this.#byTitle(query, language, signal)).map(toResult);
  }

  /** `GET /movie/{id}` for a TMDB id, `GET /find/{id}` for an IMDb id; null when TMDB knows neither. */
  async #byIds(ids: ProviderIds, language: string, signal?: AbortSignal): Promise<TmdbMovieSummary | null> {
    if (ids.tmdb && /^\d+$/.test(ids.tmdb)) {
      const movie = await unlessNotFound(this.client.get(`/movie/${ids.tmdb}`, { language }, tmdbMovieSummarySchema, signal));
      if (movie) return movie;
    }
    if (ids.imdb && /^tt\d+$/.test(ids.imdb)) {
      const found = await unlessNotFound(
        this.client.get(`/find/${ids.imdb}`, { external_source: 'imdb_id', language }, tmdbFindSchema, signal),
      );
      const movie = found?.movie_results?.[0];
      if (movie) return movie;
    }
    return null;
  }

  /** The search with the year, then without; hits that match, nearest year first. */
  async #byTitle(query: MovieQuery, language: string, signal?: AbortSignal): Promise<TmdbMovieSummary[]> {
    if (titleKey(query.title) === '') return [];
    const params = { query: searchText(query.title), language, include_adult: 'false' };
    const year = query.year;
    const searches = year === undefined ? [params] : [{ ...params, year: String(year) }, params];
    const seen = new Set<number>();
    for (const search of searches) {
      const { results } = await this.client.get('/search/movie', search, tmdbSearchSchema, signal);
      const distance = (hit: TmdbMovieSummary): number => {
        const released = yearOf(hit.release_date);
        return year === undefined ? 0 : released === null ? Infinity : Math.abs(released - year);
      };
      // Stable sort: among equally near years, TMDB's own order (relevance, popularity) stays.
      const plausible = results.filter((hit) => !seen.has(hit.id) && distance(hit) <= 1).sort((a, b) => distance(a) - distance(b));
      for (const hit of results) seen.add(hit.id);
      // Nearest year first; in a tie, the title spelled alike ("Heat") before the one that
      // only shares the key ("The Heat").
      const quality = (hit: TmdbMovieSummary): number => titleMatch(query.title, [hit.title, hit.original_title]);
      const direct = plausible.filter((hit) => quality(hit) > 0).sort((a, b) => distance(a) - distance(b) || quality(b) - quality(a));
      if (direct.length > 0) return direct;
      const viaAlternatives: TmdbMovieSummary[] = [];
      for (const hit of plausible.slice(0, ALTERNATIVE_TITLE_LOOKUPS)) {
        const alternatives = await this.client.get(`/movie/${hit.id}/alternative_titles`, {}, tmdbAlternativeTitlesSchema, signal);
        if (
          sameTitle(
            query.title,
            (alternatives.titles ?? []).map((t) => t.title),
          )
        )
          viaAlternatives.push(hit);
      }
      if (viaAlternatives.length > 0) return viaAlternatives;
    }
    return [];
  }

  /**
   * `GET /movie/{id}?append_to_response=credits,release_dates,translations`: details, cast,
   * crew, age ratings and every translation in one call. Title, plot and tagline fall back
   * to English, then the original language, where the wanted language has none; the
   * certification is the `country`'s. A collection adds `GET /collection/{id}` for `set`.
   */
  async details(id: string, options: ProviderRequestOptions, signal?: AbortSignal): Promise<MovieDetails> {
    const language = options.language || this.#language;
    const movie = await this.client.get(
      `/movie/${encodeURIComponent(id)}`,
      { language, append_to_response: 'credits,release_dates,translations' },
      tmdbDetailsSchema,
      signal,
    );
    const translations = movie.translations?.translations;
    const original = movie.original_language;
    const crew = movie.credits?.crew ?? [];
    const cast = await Promise.all(
      (movie.credits?.cast ?? []).map(async (member, index) => ({
        name: member.name,
        role: member.character ?? '',
        order: member.order ?? index,
        ...(member.profile_path ? { thumbUrl: await this.client.imageUrl(member.profile_path, 'profile', signal) } : {}),
      })),
    );
    const ownTitle = primaryLanguage(language) === original ? movie.original_title : undefined;
    return {
      providerIds: { tmdb: String(movie.id), ...(movie.imdb_id ? { imdb: movie.imdb_id } : {}) },
      // TMDB answers an untranslated title with the original one, so its answer comes last.
      title:
        localizedText(translations, language, original, { answered: ownTitle, field: (d) => d.title }) ??
        firstText(movie.title, movie.original_title) ??
        '',
      originalTitle: orNull(movie.original_title),
      year: yearOf(movie.release_date),
      plot: localizedText(translations, language, original, { answered: movie.overview, field: (d) => d.overview }),
      tagline: localizedText(translations, language, original, { answered: movie.tagline, field: (d) => d.tagline }),
      runtimeMinutes: movie.runtime ? movie.runtime : null,
      genres: (movie.genres ?? []).map((genre) => genre.name),
      studios: (movie.production_companies ?? []).map((company) => company.name),
      premiered: orNull(movie.release_date),
      rating: movie.vote_count ? (movie.vote_average ?? null) : null,
      votes: movie.vote_count ?? null,
      certification: this.#certification(movie, options.country ?? this.#certificationCountry),
      cast: cast.sort((a, b) => a.order - b.order),
      directors: unique(crew.filter((member) => member.job === 'Director').map((member) => member.name)),
      writers: unique(crew.filter((member) => member.department === 'Writing').map((member) => member.name)),
      set: await this.#set(movie, language, signal),
    };
  }

  /** Age rating of `country`: the release types of {@link CERTIFICATION_TYPE_ORDER} in order, earliest date first. */
  #certification(movie: TmdbDetails, country: string): string | null {
    const wanted = country.toUpperCase();
    const entry = movie.release_dates?.results.find((result) => result.iso_3166_1.toUpperCase() === wanted);
    const rank = (type: number | null | undefined): number => {
      const index = CERTIFICATION_TYPE_ORDER.indexOf(type ?? -1);
      return index === -1 ? CERTIFICATION_TYPE_ORDER.length : index;
    };
    const rated = (entry?.release_dates ?? [])
      .filter((date) => date.certification?.trim())
      .sort((a, b) => rank(a.type) - rank(b.type) || (a.release_date ?? '').localeCompare(b.release_date ?? ''));
    return rated[0]?.certification?.trim() ?? null;
  }

  /** `belongs_to_collection` as Kodi's set: name and overview in the language, else English. */
  async #set(movie: TmdbDetails, language: string, signal?: AbortSignal): Promise<MovieSet | null> {
    const collection = movie.belongs_to_collection;
    if (!collection) return null;
    const path = `/collection/${collection.id}`;
    const local = await unlessNotFound(this.client.get(path, { language }, tmdbCollectionSchema, signal));
    const needsEnglish = primaryLanguage(language) !== 'en' && !(local?.name && local.overview);
    const english = needsEnglish ? await unlessNotFound(this.client.get(path, { language: 'en' }, tmdbCollectionSchema, signal)) : null;
    const name = firstText(local?.name, collection.name, english?.name);
    return name === null ? null : { name, overview: firstText(local?.overview, english?.overview) };
  }

  /**
   * `GET /movie/{id}/images` (every language: textless images are tagged null or "xx",
   * and ranking needs them all) and `GET /movie/{id}/videos` in the wanted language plus
   * English (`include_video_language`). Posters, backdrops (as fanart) and logos (as
   * clearlogo; SVG logos as TMDB's PNG rendering) become candidates; YouTube trailers
   * become `trailer` candidates (their page URL; the NFO turns it into Kodi's YouTube
   * plugin URL) without `ext`, since they cannot be downloaded.
   */
  async artwork(id: string, options: ProviderRequestOptions, signal?: AbortSignal): Promise<ArtworkCandidate[]> {
    const language = primaryLanguage(options.language || this.#language);
    const moviePath = `/movie/${encodeURIComponent(id)}`;
    const videoLanguages = unique([language, 'en']).join(',');
    const [images, videos] = await Promise.all([
      this.client.get(`${moviePath}/images`, {}, tmdbImagesSchema, signal),
      this.client.get(`${moviePath}/videos`, { language, include_video_language: videoLanguages }, tmdbVideosSchema, signal),
    ]);
    const fromImages = (kind: ArtworkKind, imageKind: TmdbImageKind, list: TmdbImage[] | null | undefined) =>
      Promise.all(
        (list ?? []).map(async (image): Promise<ArtworkCandidate> => {
          const url = await this.client.imageUrl(image.file_path, imageKind, signal);
          return {
            kind,
            url,
            language: imageLanguage(image.iso_639_1),
            width: image.width,
            height: image.height,
            votes: image.vote_average ?? 0,
            voteCount: image.vote_count ?? 0,
            ext: extOf(url) || (kind === 'clearlogo' ? 'png' : 'jpg'),
          };
        }),
      );
    const trailers: ArtworkCandidate[] = videos.results
      .filter((video) => video.type === 'Trailer' && video.site === 'YouTube')
      .map((video) => ({
        kind: 'trailer',
        url: `https://www.youtube.com/watch?v=${encodeURIComponent(video.key)}`,
        language: imageLanguage(video.iso_639_1),
        width: video.size ? Math.round((video.size * 16) / 9) : 0,
        height: video.size ?? 0,
        votes: video.official ? 1 : 0,
      }));
    return [
      ...(await fromImages('poster', 'poster', images.posters)),
      ...(await fromImages('fanart', 'backdrop', images.backdrops)),
      ...(await fromImages('clearlogo', 'logo', images.logos)),
      ...trailers,
    ];
  }
}
