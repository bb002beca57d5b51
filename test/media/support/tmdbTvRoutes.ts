/**
 * Test support: the TV side of the fake TMDB (see providerServer.ts for the server, its
 * credentials and failures). Each behaviour names the page it mirrors
 * (D = https://developer.themoviedb.org):
 * - `/search/tv`, D/reference/search-tv: matches names, original names, translated names
 *   and alternative titles word by word, as `/search/movie` does; `first_air_date_year`
 *   keeps shows that first aired that year, `year` those with the first air date or any
 *   episode's air date in it. Results by popularity (the docs promise no order); `name` in
 *   the requested language, else the original name; `origin_country` a list of codes.
 * - `/find/{id}?external_source=tvdb_id|imdb_id`, D/reference/find-by-id: `tv_results`.
 * - `/tv/{id}`, D/reference/tv-series-details, with `append_to_response`:
 *   `aggregate_credits` (D/reference/tv-series-aggregate-credits: every season's cast,
 *   each with `roles` [{ character, episode_count }]), `credits` (the latest season's),
 *   `content_ratings` (D/reference/tv-series-content-ratings: [{ iso_3166_1, rating }]),
 *   `external_ids` (D/reference/tv-series-external-ids: `tvdb_id` a number, `imdb_id`),
 *   `translations` (D/reference/tv-series-translations: `data.name`, `data.overview`; the
 *   original language's own entry has an empty name). Untranslated, `name` is the original
 *   name and `overview` "" (D/docs/languages, as for movies). `seasons` lists every season
 *   with `season_number`, `name`, `air_date`, `episode_count`.
 * - `/tv/{id}/alternative_titles`, D/reference/tv-series-alternative-titles: `results`.
 * - `/tv/{id}/images`, D/reference/tv-series-images with the language rules of
 *   D/docs/image-languages (as `/movie/{id}/images`).
 * - `/tv/{id}/season/{n}`, D/reference/tv-season-details: 404 (status_code 34) for a season
 *   TMDB does not have; `episodes` with `crew`, `guest_stars`, `still_path`, `runtime`;
 *   `append_to_response=images` adds the season's posters, filtered by `language` and
 *   `include_image_language`. In a language without a translation an episode's name is a
 *   placeholder, "Episode 3" (Slovak "Epizóda 3"), and a season's name the generic "Staffel
 *   3" (German): reported at xbmc/metadata.tvshows.themoviedb.org.python issue 18 and
 *   jellyfin/jellyfin-plugin-tmdb issue 11, and why Kodi's TV scraper asks English again.
 * - `/tv/{id}/season/{n}/episode/{e}/images`, D/reference/tv-episode-images: `stills`.
 */
import {
  type FakeImage,
  type FakeImageStore,
  keepLanguages,
  NOT_FOUND,
  primary,
  type RouteAnswer,
  titleMatches,
  wantedLanguages,
} from './tmdbFake.js';

/** Texts of one language. */
export interface FakeTexts {
  name?: string;
  plot?: string;
}

/** One episode of a {@link FakeSeason}; English texts unless `translations` says otherwise. */
export interface FakeEpisode {
  number: number;
  name: string;
  plot?: string;
  /** `YYYY-MM-DD` */
  airDate?: string;
  runtime?: number;
  rating?: number;
  votes?: number;
  directors?: string[];
  writers?: string[];
  guestStars?: { name: string; role?: string; photo?: FakeImage }[];
  /** The first is the episode's `still_path`. */
  stills?: FakeImage[];
  translations?: Record<string, FakeTexts>;
}

/** One season of a {@link ProviderServerShow}. */
export interface FakeSeason {
  /** 0 for specials. */
  number: number;
  /** A real English name ("The Final Season"); without one TMDB says "Season N" ("Specials" for 0). */
  name?: string;
  plot?: string;
  airDate?: string;
  posters?: FakeImage[];
  translations?: Record<string, FakeTexts>;
  episodes: FakeEpisode[];
}

/** One show as the fake TMDB knows it; English texts unless `translations` says otherwise. */
export interface ProviderServerShow {
  id: number;
  /** English name. */
  name: string;
  originalName?: string;
  /** @default 'en' */
  originalLanguage?: string;
  /** `YYYY-MM-DD` */
  firstAirDate: string;
  /** @default ['US'] */
  originCountry?: string[];
  alternativeTitles?: string[];
  /** Search order: higher first. @default 1 */
  popularity?: number;
  tvdbId?: number;
  imdbId?: string;
  plot?: string;
  /** @default 'Ended' */
  status?: string;
  genres?: string[];
  networks?: string[];
  rating?: number;
  votes?: number;
  episodeRunTime?: number[];
  /** Ratings per country: `{ US: 'TV-MA', DE: '16' }`. */
  contentRatings?: Record<string, string>;
  cast?: { name: string; roles?: { character: string; episodes: number }[]; photo?: FakeImage }[];
  posters?: FakeImage[];
  backdrops?: FakeImage[];
  logos?: FakeImage[];
  /** Texts per language (`de`, `de-DE`); the original language's texts of a non-English show too. */
  translations?: Record<string, FakeTexts>;
  seasons?: FakeSeason[];
}

/** Generic names TMDB gives seasons and untranslated episodes, per language. */
const SEASON_WORD: Record<string, string> = { en: 'Season', de: 'Staffel', sk: 'Séria' };
const EPISODE_WORD: Record<string, string> = { sk: 'Epizóda' };

/** The texts a language selects: the exact tag first (`pt-BR`), then any of its language. */
function textsFor(translations: Record<string, FakeTexts> | undefined, language: string | undefined): FakeTexts | undefined {
  const tag = language ?? 'en-US';
  const entries = Object.entries(translations ?? {});
  return (entries.find(([t]) => t.toLowerCase() === tag.toLowerCase()) ?? entries.find(([t]) => primary(t) === primary(tag)))?.[1];
}

/** The TV routes of the fake TMDB over `shows`; images are registered in `images`. */
export function tvRoutes(shows: readonly ProviderServerShow[], images: FakeImageStore) {
  const originalLanguage = (show: ProviderServerShow) => show.originalLanguage ?? 'en';
  const originalName = (show: ProviderServerShow) => show.originalName ?? show.name;
  const english = (language: string | undefined) => primary(language ?? 'en-US') === 'en';
  /** A show's texts in a language: English from its fields, the others from `translations`. */
  const showTexts = (show: ProviderServerShow, language: string | undefined): FakeTexts | undefined =>
    english(language)
      ? { name: show.name, ...(show.plot === undefined ? {} : { plot: show.plot }) }
      : textsFor(show.translations, language);
  const name = (show: ProviderServerShow, language: string | undefined) => showTexts(show, language)?.name || originalName(show);
  const summary = (show: ProviderServerShow, language: string | undefined) => ({
    id: show.id,
    name: name(show, language),
    original_name: originalName(show),
    original_language: originalLanguage(show),
    first_air_date: show.firstAirDate,
    origin_country: show.originCountry ?? ['US'],
    overview: showTexts(show, language)?.plot ?? '',
    popularity: show.popularity ?? 1,
  });
  const translations = (show: ProviderServerShow) => {
    const entry = (tag: string, texts: FakeTexts) => ({
      iso_639_1: primary(tag),
      iso_3166_1: tag.split('-')[1] ?? (primary(tag) === 'en' ? 'US' : primary(tag).toUpperCase()),
      name: tag,
      english_name: tag,
      // The original language's own translation carries no name: `original_name` is it.
      data: {
        name: primary(tag) === originalLanguage(show) ? '' : (texts.name ?? ''),
        overview: texts.plot ?? '',
        tagline: '',
        homepage: '',
      },
    });
    const others = Object.entries(show.translations ?? {}).filter(([tag]) => primary(tag) !== 'en');
    return [
      entry('en', { name: show.name, ...(show.plot === undefined ? {} : { plot: show.plot }) }),
      ...others.map(([tag, t]) => entry(tag, t)),
    ];
  };
  const people = (owner: string, list: { name: string; role?: string; photo?: FakeImage }[] | undefined) =>
    (list ?? []).map((member, index) => ({
      name: member.name,
      character: member.role ?? '',
      order: index,
      profile_path: member.photo ? images.path(owner, 'person', index, member.photo, 'jpg') : null,
    }));

  const details = (show: ProviderServerShow, query: Record<string, string>) => {
    const language = query['language'];
    const appended = new Set((query['append_to_response'] ?? '').split(',').filter(Boolean));
    const body: Record<string, unknown> = {
      ...summary(show, language),
      status: show.status ?? 'Ended',
      episode_run_time: show.episodeRunTime ?? [],
      vote_average: show.rating ?? 0,
      vote_count: show.votes ?? 0,
      genres: (show.genres ?? []).map((genre, index) => ({ id: index + 1, name: genre })),
      networks: (show.networks ?? []).map((network, index) => ({ id: index + 1, name: network, origin_country: 'US' })),
      seasons: (show.seasons ?? []).map((season) => ({
        season_number: season.number,
        name: seasonName(season, language),
        overview: seasonTexts(season, language)?.plot ?? '',
        air_date: season.airDate ?? null,
        episode_count: season.episodes.length,
        poster_path: null,
      })),
    };
    const cast = (show.cast ?? []).map((member, index) => ({
      name: member.name,
      order: index,
      profile_path: member.photo ? images.path(`tv${show.id}`, 'actor', index, member.photo, 'jpg') : null,
      roles: (member.roles ?? []).map((role) => ({ character: role.character, episode_count: role.episodes })),
    }));
    if (appended.has('aggregate_credits')) body['aggregate_credits'] = { cast, crew: [] };
    if (appended.has('credits')) {
      body['credits'] = { cast: cast.map(({ roles, ...member }) => ({ ...member, character: roles[0]?.character ?? '' })), crew: [] };
    }
    if (appended.has('content_ratings')) {
      body['content_ratings'] = {
        results: Object.entries(show.contentRatings ?? {}).map(([country, rating]) => ({ iso_3166_1: country, rating, descriptors: [] })),
      };
    }
    if (appended.has('external_ids')) body['external_ids'] = { id: show.id, imdb_id: show.imdbId ?? null, tvdb_id: show.tvdbId ?? null };
    if (appended.has('translations')) body['translations'] = { translations: translations(show) };
    return body;
  };

  const seasonTexts = (season: FakeSeason, language: string | undefined): FakeTexts | undefined =>
    english(language)
      ? { ...(season.name ? { name: season.name } : {}), ...(season.plot === undefined ? {} : { plot: season.plot }) }
      : textsFor(season.translations, language);
  const seasonName = (season: FakeSeason, language: string | undefined) =>
    seasonTexts(season, language)?.name ??
    (season.number === 0 ? 'Specials' : `${SEASON_WORD[primary(language ?? 'en')] ?? 'Season'} ${season.number}`);
  const episodeTexts = (episode: FakeEpisode, language: string | undefined): FakeTexts | undefined =>
    english(language)
      ? { name: episode.name, ...(episode.plot === undefined ? {} : { plot: episode.plot }) }
      : textsFor(episode.translations, language);

  const season = (show: ProviderServerShow, season: FakeSeason, query: Record<string, string>) => {
    const language = query['language'];
    const owner = `tv${show.id}s${season.number}`;
    const body: Record<string, unknown> = {
      _id: owner,
      season_number: season.number,
      name: seasonName(season, language),
      overview: seasonTexts(season, language)?.plot ?? '',
      air_date: season.airDate ?? null,
      episodes: season.episodes.map((episode) => ({
        id: show.id * 1000 + season.number * 100 + episode.number,
        episode_number: episode.number,
        season_number: season.number,
        name: episodeTexts(episode, language)?.name || `${EPISODE_WORD[primary(language ?? 'en')] ?? 'Episode'} ${episode.number}`,
        overview: episodeTexts(episode, language)?.plot ?? '',
        air_date: episode.airDate ?? null,
        runtime: episode.runtime ?? null,
        vote_average: episode.rating ?? 0,
        vote_count: episode.votes ?? 0,
        still_path: episode.stills?.[0] ? images.path(`${owner}e${episode.number}`, 'still', 0, episode.stills[0], 'jpg') : null,
        crew: [
          ...(episode.directors ?? []).map((person) => ({ name: person, job: 'Director', department: 'Directing' })),
          ...(episode.writers ?? []).map((person) => ({ name: person, job: 'Writer', department: 'Writing' })),
        ],
        guest_stars: people(`${owner}e${episode.number}`, episode.guestStars),
      })),
    };
    if ((query['append_to_response'] ?? '').split(',').includes('images')) {
      const wanted = wantedLanguages(language ?? 'en-US', query['include_image_language']);
      body['images'] = { posters: keepLanguages(images.list(owner, 'poster', season.posters, 'jpg'), wanted) };
    }
    return body;
  };

  /** `tv_results` of `/find/{id}`. */
  const find = (source: string | undefined, id: string, language: string | undefined) =>
    shows
      .filter((show) => (source === 'tvdb_id' ? String(show.tvdbId) === id : source === 'imdb_id' ? show.imdbId === id : false))
      .map((show) => summary(show, language));

  /** The answer for `path`, or undefined when it is no TV route. */
  const route = (path: string, query: Record<string, string>): RouteAnswer | undefined => {
    const language = query['language'];
    if (path === '/3/search/tv') {
      const text = query['query'] ?? '';
      const firstYear = query['first_air_date_year'];
      const anyYear = query['year'];
      const airDates = (show: ProviderServerShow) => [
        show.firstAirDate,
        ...(show.seasons ?? []).flatMap((s) => s.episodes.map((e) => e.airDate ?? '')),
      ];
      const hits = shows
        .filter((show) =>
          [
            show.name,
            originalName(show),
            ...Object.values(show.translations ?? {}).map((t) => t.name ?? ''),
            ...(show.alternativeTitles ?? []),
          ].some((title) => titleMatches(text, title)),
        )
        .filter((show) => firstYear === undefined || show.firstAirDate.startsWith(`${firstYear}-`))
        .filter((show) => anyYear === undefined || airDates(show).some((date) => date.startsWith(`${anyYear}-`)))
        .sort((a, b) => (b.popularity ?? 1) - (a.popularity ?? 1));
      const results = hits.slice(0, 20).map((show) => summary(show, language));
      return { status: 200, body: { page: 1, results, total_pages: Math.max(1, Math.ceil(hits.length / 20)), total_results: hits.length } };
    }
    const match = /^\/3\/tv\/(\d+)(\/images|\/alternative_titles|\/season\/(\d+)(\/episode\/(\d+)\/images)?)?$/.exec(path);
    if (!path.startsWith('/3/tv/')) return undefined;
    const show = match ? shows.find((candidate) => String(candidate.id) === match[1]) : undefined;
    if (!match || !show) return NOT_FOUND;
    if (match[2] === '/alternative_titles') {
      return {
        status: 200,
        body: { id: show.id, results: (show.alternativeTitles ?? []).map((title) => ({ iso_3166_1: 'US', title, type: '' })) },
      };
    }
    if (match[2] === '/images') {
      const keep = wantedLanguages(language, query['include_image_language']);
      const owner = `tv${show.id}`;
      return {
        status: 200,
        body: {
          id: show.id,
          posters: keepLanguages(images.list(owner, 'poster', show.posters, 'jpg'), keep),
          backdrops: keepLanguages(images.list(owner, 'backdrop', show.backdrops, 'jpg'), keep),
          logos: keepLanguages(images.list(owner, 'logo', show.logos, 'png'), keep),
        },
      };
    }
    if (match[3] !== undefined) {
      const found = (show.seasons ?? []).find((s) => String(s.number) === match[3]);
      if (!found) return NOT_FOUND;
      if (match[5] === undefined) return { status: 200, body: season(show, found, query) };
      const episode = found.episodes.find((e) => String(e.number) === match[5]);
      if (!episode) return NOT_FOUND;
      const owner = `tv${show.id}s${found.number}e${episode.number}`;
      return { status: 200, body: { id: show.id, stills: images.list(owner, 'still', episode.stills, 'jpg') } };
    }
    return { status: 200, body: details(show, query) };
  };

  // Register every image path up front, so an image URL works before its JSON was asked for.
  for (const show of shows) {
    details(show, {});
    route(`/3/tv/${show.id}/images`, {});
    for (const s of show.seasons ?? []) {
      season(show, s, { append_to_response: 'images' });
      for (const e of s.episodes) route(`/3/tv/${show.id}/season/${s.number}/episode/${e.number}/images`, {});
    }
  }
  return { route, find };
}
