/**
 * TV series from The Movie Database: the `series` capability of `TmdbProvider`, on the
 * same {@link TmdbClient} (one credential check, one `/configuration` read, the same
 * timeouts and rate-limit waits). Failures are `ProviderError`s as for movies; an id or
 * season TMDB does not know is its 404.
 *
 * How a show folder finds its show ({@link TmdbSeriesProvider.searchSeries}):
 * 1. Ids written in the name: a TMDB id is confirmed with `GET /tv/{id}`, a TVDB or IMDb
 *    id resolved with `GET /find/{id}?external_source=tvdb_id|imdb_id` (`tv_results`). An
 *    id TMDB does not know falls through to the title.
 * 2. `GET /search/tv?query=…&first_air_date_year=Y` (the year the show first aired), then,
 *    when nothing there matches, the same search without the year: a folder year one off
 *    (TheTVDB dates Battlestar Galactica 2003 by its miniseries, TMDB 2004) is then found.
 * 3. A hit counts only when it first aired at most one year off the folder's year and its
 *    name or original name has the folder title's key (see `titleKey`), or, for the first
 *    three plausible hits, one of its alternative titles does. A country behind the title
 *    ("The Office (US)", "(UK)") is searched without, and keeps only shows from that
 *    country (`origin_country`).
 *
 * Texts come in the wanted language, then English, then the original language, as Kodi's
 * TMDB TV scraper does: the show from its appended translations; a season and its
 * episodes by asking the season again in English (and in the original language) when its
 * overview or an episode's overview is empty, or an episode's name is TMDB's placeholder
 * for an untranslated one ("Episode 3"; "Epizóda 3" in Slovak).
 */
import type {
  EpisodeDetails,
  SeasonDetails,
  SeriesArtworkCandidate,
  SeriesArtworkKind,
  SeriesDetails,
  SeriesIds,
  SeriesProvider,
  SeriesQuery,
  SeriesSearchResult,
} from '../tv/types.js';
import type { CastMember, ProviderRequestOptions } from '../types.js';
import type { TmdbClient, TmdbImageKind } from './TmdbClient.js';
import { extOf, imageLanguage, orNull, unique, unlessNotFound, yearOf } from './tmdbFields.js';
import { firstText, localizedText, primaryLanguage } from './tmdbLanguage.js';
import { missesTexts, isGenericSeasonName, mergeSeasonAnswers } from './tmdbSeasonTexts.js';
import type { TmdbImage } from './tmdbSchemas.js';
import { tmdbImagesSchema } from './tmdbSchemas.js';
import {
  type TmdbCast,
  type TmdbEpisode,
  type TmdbTvDetails,
  type TmdbTvSummary,
  tmdbEpisodeImagesSchema,
  tmdbSeasonSchema,
  tmdbTvAlternativeTitlesSchema,
  tmdbTvDetailsSchema,
  tmdbTvFindSchema,
  tmdbTvSearchSchema,
  tmdbTvSummarySchema,
} from './tmdbTvSchemas.js';
import { countryQualifier, sameTitle, searchText, titleKey, titleMatch } from './titleMatch.js';

/** Defaults of {@link TmdbSeriesProvider}, as the owning `TmdbProvider` has them. */
export interface TmdbSeriesDefaults {
  /** Language used when a call passes an empty one. */
  language: string;
  /** Country whose content rating is the certification when a call names none. */
  certificationCountry: string;
}

/** How many plausible hits of one search have their alternative titles compared. */
const ALTERNATIVE_TITLE_LOOKUPS = 3;

/** What `seriesDetails` appends to `/tv/{id}`: the whole cast, age ratings, the other databases' ids, every translation. */
const DETAILS_PARTS = 'aggregate_credits,credits,content_ratings,external_ids,translations';

function toResult(hit: TmdbTvSummary): SeriesSearchResult {
  return { id: String(hit.id), title: hit.name, originalTitle: orNull(hit.original_name), year: yearOf(hit.first_air_date) };
}

/**
 * TMDB series provider; reach it as `new TmdbProvider({ apiKey }).series`.
 *
 * @example
 * ```ts
 * const tmdb = new TmdbProvider({ apiKey: process.env.TMDB_API_KEY! });
 * const [hit] = await tmdb.series.searchSeries({ title: 'The Office (US)', language: 'de' });
 * const show = hit && (await tmdb.series.seriesDetails(hit.id, { language: 'de', country: 'DE' }));
 * ```
 */
export class TmdbSeriesProvider implements SeriesProvider {
  readonly #client: TmdbClient;
  readonly #defaults: TmdbSeriesDefaults;
  /** Original language per show id, learnt from its answers: the last fallback of season texts. */
  readonly #originalLanguage = new Map<string, string | null>();

  constructor(client: TmdbClient, defaults: TmdbSeriesDefaults) {
    this.#client = client;
    this.#defaults = { language: defaults.language, certificationCountry: defaults.certificationCountry.toUpperCase() };
  }

  /** The show a folder names, by its ids, else by title and year (see the file's comment); `[]` when none matches. */
  async searchSeries(query: SeriesQuery, signal?: AbortSignal): Promise<SeriesSearchResult[]> {
    const language = query.language || this.#defaults.language;
    const byId = await this.#byIds(query.ids ?? {}, language, signal);
    if (byId) return [toResult(byId)];
    return (await this.#byTitle(query, language, signal)).map(toResult);
  }

  /** `GET /tv/{id}` for a TMDB id, `GET /find/{id}` for a TVDB or IMDb id; null when TMDB knows none. */
  async #byIds(ids: SeriesIds, language: string, signal?: AbortSignal): Promise<TmdbTvSummary | null> {
    if (ids.tmdb && /^\d+$/.test(ids.tmdb)) {
      const show = await unlessNotFound(this.#client.get(`/tv/${ids.tmdb}`, { language }, tmdbTvSummarySchema, signal));
      if (show) return show;
    }
    const external: [string | undefined, RegExp, string][] = [
      [ids.tvdb, /^\d+$/, 'tvdb_id'],
      [ids.imdb, /^tt\d+$/, 'imdb_id'],
    ];
    for (const [id, shape, source] of external) {
      if (!id || !shape.test(id)) continue;
      const found = await unlessNotFound(this.#client.get(`/find/${id}`, { external_source: source, language }, tmdbTvFindSchema, signal));
      const show = found?.tv_results?.[0];
      if (show) return show;
    }
    return null;
  }

  /** The search with the first-aired year, then without; hits that match, nearest year first. */
  async #byTitle(query: SeriesQuery, language: string, signal?: AbortSignal): Promise<TmdbTvSummary[]> {
    const qualified = countryQualifier(query.title);
    const bare = qualified?.title ?? query.title;
    if (titleKey(bare) === '') return [];
    const params = { query: searchText(bare), language, include_adult: 'false' };
    const year = query.year;
    const searches = year === undefined ? [params] : [{ ...params, first_air_date_year: String(year) }, params];
    const distance = (hit: TmdbTvSummary): number => {
      const aired = yearOf(hit.first_air_date);
      return year === undefined ? 0 : aired === null ? Infinity : Math.abs(aired - year);
    };
    const fromCountry = (hit: TmdbTvSummary): boolean =>
      qualified === null || !hit.origin_country?.length || hit.origin_country.some((c) => c.toUpperCase() === qualified.country);
    // "The Office (US)" matches a show named so, or "The Office" from the US.
    const quality = (titles: readonly (string | null | undefined)[]): number =>
      Math.max(titleMatch(query.title, titles), titleMatch(bare, titles));
    const seen = new Set<number>();
    for (const search of searches) {
      const { results } = await this.#client.get('/search/tv', search, tmdbTvSearchSchema, signal);
      // Stable sort: among equally near years, TMDB's own order (relevance, popularity) stays.
      const plausible = results
        .filter((hit) => !seen.has(hit.id) && distance(hit) <= 1 && fromCountry(hit))
        .sort((a, b) => distance(a) - distance(b));
      for (const hit of results) seen.add(hit.id);
      const score = (hit: TmdbTvSummary): number => quality([hit.name, hit.original_name]);
      const direct = plausible.filter((hit) => score(hit) > 0).sort((a, b) => distance(a) - distance(b) || score(b) - score(a));
      if (direct.length > 0) return direct;
      const viaAlternatives: TmdbTvSummary[] = [];
      for (const hit of plausible.slice(0, ALTERNATIVE_TITLE_LOOKUPS)) {
        const alternatives = await this.#client.get(`/tv/${hit.id}/alternative_titles`, {}, tmdbTvAlternativeTitlesSchema, signal);
        const titles = (alternatives.results ?? []).map((t) => t.title ?? t.name);
        if (sameTitle(query.title, titles) || sameTitle(bare, titles)) viaAlternatives.push(hit);
      }
      if (viaAlternatives.length > 0) return viaAlternatives;
    }
    return [];
  }

  /**
   * `GET /tv/{id}?append_to_response=aggregate_credits,credits,content_ratings,external_ids,translations`:
   * title and plot in the language (else English, else the original's), the cast of every
   * season, ids tmdb/tvdb/imdb, status, networks as studios, the `country`'s content rating
   * (none when that country has none), and the season list.
   */
  async seriesDetails(id: string, options: ProviderRequestOptions, signal?: AbortSignal): Promise<SeriesDetails> {
    const language = options.language || this.#defaults.language;
    const show = await this.#client.get(
      `/tv/${encodeURIComponent(id)}`,
      { language, append_to_response: DETAILS_PARTS },
      tmdbTvDetailsSchema,
      signal,
    );
    const original = show.original_language ?? null;
    this.#originalLanguage.set(String(show.id), original);
    const translations = show.translations?.translations;
    // TMDB answers an untranslated name with the original one: only the original language's own answer is taken as is.
    const ownName = original !== null && primaryLanguage(language) === original ? show.name : undefined;
    const tvdb = show.external_ids?.tvdb_id;
    const country = (options.country ?? this.#defaults.certificationCountry).toUpperCase();
    const rating = show.content_ratings?.results.find((r) => r.iso_3166_1.toUpperCase() === country)?.rating?.trim();
    return {
      providerIds: {
        tmdb: String(show.id),
        ...(tvdb !== null && tvdb !== undefined && String(tvdb) !== '' ? { tvdb: String(tvdb) } : {}),
        ...(show.external_ids?.imdb_id ? { imdb: show.external_ids.imdb_id } : {}),
      },
      title:
        localizedText(translations, language, original, { answered: ownName, field: (d) => d.name }) ??
        firstText(show.name, show.original_name) ??
        '',
      originalTitle: orNull(show.original_name),
      year: yearOf(show.first_air_date),
      plot: localizedText(translations, language, original, { answered: show.overview, field: (d) => d.overview }),
      premiered: orNull(show.first_air_date),
      status: orNull(show.status),
      genres: (show.genres ?? []).map((genre) => genre.name),
      studios: (show.networks ?? []).map((network) => network.name),
      certification: rating ? rating : null,
      rating: show.vote_count ? (show.vote_average ?? null) : null,
      votes: show.vote_count ?? null,
      runtimeMinutes: (show.episode_run_time ?? []).find((minutes) => minutes > 0) ?? null,
      cast: await this.#showCast(show, signal),
      seasons: (show.seasons ?? [])
        .map((season) => ({
          seasonNumber: season.season_number,
          name: isGenericSeasonName(season.name, season.season_number) ? null : (season.name ?? null),
          plot: orNull(season.overview),
          premiered: orNull(season.air_date),
          episodeCount: season.episode_count ?? 0,
        }))
        .sort((a, b) => a.seasonNumber - b.seasonNumber),
    };
  }

  /** The cast of every season (`aggregate_credits`; the latest season's `credits` when TMDB has no aggregate), billing order. */
  async #showCast(show: TmdbTvDetails, signal?: AbortSignal): Promise<CastMember[]> {
    const aggregate = show.aggregate_credits?.cast ?? [];
    const cast: TmdbCast[] =
      aggregate.length > 0
        ? aggregate.map((member) => ({
            name: member.name,
            order: member.order ?? null,
            profile_path: member.profile_path ?? null,
            // The roles played most often first: "Walter White", not a one-episode cameo.
            character: unique(
              [...(member.roles ?? [])]
                .sort((a, b) => (b.episode_count ?? 0) - (a.episode_count ?? 0))
                .map((role) => role.character?.trim() ?? '')
                .filter(Boolean),
            ).join(' / '),
          }))
        : (show.credits?.cast ?? []);
    return (await this.#people(cast, signal)).sort((a, b) => a.order - b.order);
  }

  async #people(cast: readonly TmdbCast[], signal?: AbortSignal): Promise<CastMember[]> {
    return Promise.all(
      cast.map(async (member, index) => ({
        name: member.name,
        role: member.character ?? '',
        order: member.order ?? index,
        ...(member.profile_path ? { thumbUrl: await this.#client.imageUrl(member.profile_path, 'profile', signal) } : {}),
      })),
    );
  }

  /**
   * `GET /tv/{id}/season/{n}?append_to_response=images` (posters in the language, English
   * and textless: `include_image_language`), and the same season in English, then in the
   * original language, only when texts are missing (see the file's comment). Episodes
   * carry their directors, writers (the Writing department) and guest stars; their stills
   * come from {@link episodeArtwork}, which knows their sizes.
   */
  async seasonDetails(id: string, seasonNumber: number, options: { language: string }, signal?: AbortSignal): Promise<SeasonDetails> {
    const language = options.language || this.#defaults.language;
    const wanted = primaryLanguage(language);
    const seasonPath = `/tv/${encodeURIComponent(id)}/season/${seasonNumber}`;
    const include = unique([wanted, 'en', 'null']).join(',');
    const answers = [
      await this.#client.get(
        seasonPath,
        { language, append_to_response: 'images', include_image_language: include },
        tmdbSeasonSchema,
        signal,
      ),
    ];
    if (wanted !== 'en' && missesTexts(mergeSeasonAnswers(answers))) {
      answers.push(await this.#client.get(seasonPath, { language: 'en-US' }, tmdbSeasonSchema, signal));
    }
    if (missesTexts(mergeSeasonAnswers(answers))) {
      const original = await this.#originalOf(id, signal);
      if (original !== null && original !== wanted && original !== 'en') {
        answers.push(await this.#client.get(seasonPath, { language: original }, tmdbSeasonSchema, signal));
      }
    }
    const season = mergeSeasonAnswers(answers);
    const [answered] = answers;
    const episodes = await Promise.all((season.episodes ?? []).map((episode) => this.#episode(seasonNumber, episode, signal)));
    return {
      seasonNumber: season.season_number,
      name: isGenericSeasonName(season.name, seasonNumber) ? null : (season.name ?? null),
      plot: orNull(season.overview),
      premiered: orNull(season.air_date),
      episodeCount: episodes.length,
      episodes,
      artwork: await this.#images('poster', 'poster', answered?.images?.posters, signal),
    };
  }

  /** The show's original language: known from its details, else read with `GET /tv/{id}`. */
  async #originalOf(id: string, signal?: AbortSignal): Promise<string | null> {
    if (!this.#originalLanguage.has(id)) {
      const show = await this.#client.get(`/tv/${encodeURIComponent(id)}`, {}, tmdbTvSummarySchema, signal);
      this.#originalLanguage.set(id, show.original_language ?? null);
    }
    return this.#originalLanguage.get(id) ?? null;
  }

  async #episode(seasonNumber: number, episode: TmdbEpisode, signal?: AbortSignal): Promise<EpisodeDetails> {
    const crew = episode.crew ?? [];
    return {
      providerIds: episode.id === null || episode.id === undefined ? {} : { tmdb: String(episode.id) },
      seasonNumber,
      episodeNumber: episode.episode_number,
      title: episode.name ?? '',
      plot: orNull(episode.overview),
      aired: orNull(episode.air_date),
      runtimeMinutes: episode.runtime ? episode.runtime : null,
      rating: episode.vote_count ? (episode.vote_average ?? null) : null,
      votes: episode.vote_count ?? null,
      directors: unique(crew.filter((member) => member.job === 'Director').map((member) => member.name)),
      writers: unique(crew.filter((member) => member.department === 'Writing').map((member) => member.name)),
      guestStars: (await this.#people(episode.guest_stars ?? [], signal)).sort((a, b) => a.order - b.order),
      thumbs: [],
    };
  }

  /**
   * `GET /tv/{id}/images`, every language (textless images are tagged null or "xx", and
   * ranking needs them all): posters, backdrops as fanart, logos as clear logos (SVG as
   * TMDB's PNG rendering).
   */
  async seriesArtwork(id: string, _options: { language: string }, signal?: AbortSignal): Promise<SeriesArtworkCandidate[]> {
    const images = await this.#client.get(`/tv/${encodeURIComponent(id)}/images`, {}, tmdbImagesSchema, signal);
    return [
      ...(await this.#images('poster', 'poster', images.posters, signal)),
      ...(await this.#images('fanart', 'backdrop', images.backdrops, signal)),
      ...(await this.#images('clearlogo', 'logo', images.logos, signal)),
    ];
  }

  /** `GET /tv/{id}/season/{n}/episode/{e}/images`: every still of the episode with its size; `[]` for an episode TMDB does not know. */
  async episodeArtwork(
    id: string,
    seasonNumber: number,
    episodeNumber: number,
    _options: { language: string },
    signal?: AbortSignal,
  ): Promise<SeriesArtworkCandidate[]> {
    const imagesPath = `/tv/${encodeURIComponent(id)}/season/${seasonNumber}/episode/${episodeNumber}/images`;
    const images = await unlessNotFound(this.#client.get(imagesPath, {}, tmdbEpisodeImagesSchema, signal));
    return this.#images('thumb', 'still', images?.stills, signal);
  }

  #images(kind: SeriesArtworkKind, imageKind: TmdbImageKind, list: readonly TmdbImage[] | null | undefined, signal?: AbortSignal) {
    return Promise.all(
      (list ?? []).map(async (image): Promise<SeriesArtworkCandidate> => {
        const url = await this.#client.imageUrl(image.file_path, imageKind, signal);
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
  }
}
