/**
 * Test support: the movie side of the fake TMDB (see providerServer.ts for the server, its
 * credentials and failures). Each behaviour names the documentation page it mirrors
 * (D = https://developer.themoviedb.org):
 * - `/search/movie`, D/reference/search-movie: matches original, translated and
 *   alternative titles, word by word (a query word matches a title word it begins, so
 *   "Heat" also finds "White Heat" and "Heatwave"); `year` keeps movies with ANY release
 *   date in that year, `primary_release_year` only the first release (the difference
 *   Overseerr's "use correct param to filter movies by year" fix is about). The docs
 *   promise no order: results here are by popularity, so an exact title is not first.
 *   `title` is in the requested language, else the original title.
 * - `/find/{id}?external_source=imdb_id`, D/reference/find-by-id: `movie_results` (empty
 *   arrays, status 200, for an id TMDB does not know).
 * - `/movie/{id}`, D/reference/movie-details, with `append_to_response` (credits,
 *   release_dates, translations, alternative_titles): in another language an untranslated
 *   overview and tagline are "" and the title is the original title. The docs do not spell
 *   this out (D/docs/languages); it is what Kodi's TMDB scraper works around with its
 *   English "fallback" request (xbmc/metadata.themoviedb.org.python, tmdb.py:
 *   `movie.get('overview') or movie_fallback.get('overview')`). The original language's
 *   own translation has an empty title: its title is `original_title`.
 *   `belongs_to_collection: { id, name }` for movies of a collection.
 * - `release_dates`, D/reference/movie-release-dates: per country, entries of types
 *   1 Premiere, 2 Theatrical (limited), 3 Theatrical, 4 Digital, 5 Physical, 6 TV.
 * - `/movie/{id}/alternative_titles`, D/reference/movie-alternative-titles.
 * - `/collection/{id}`, D/reference/collection-details: name and overview per language.
 * - `/movie/{id}/images`, D/docs/image-languages: without `language` every image; with
 *   it, that language plus those in `include_image_language` (`null` for images without
 *   text). Textless images may also be tagged "xx" (Kodi's scraper reads both).
 * - `/movie/{id}/videos`, D/reference/movie-videos: `language` (default en-US) filters,
 *   `include_video_language` adds languages (TMDB's changelog of July 2021).
 */
import {
  type FakeImage,
  type FakeImageStore,
  type ImageJson,
  keepLanguages,
  NOT_FOUND,
  primary,
  type RouteAnswer,
  titleMatches,
  wantedLanguages,
} from './tmdbFake.js';

/** One release of a movie in one country (TMDB's `release_dates`). */
export interface FakeRelease {
  country: string;
  /** 1 Premiere, 2 Theatrical (limited), 3 Theatrical, 4 Digital, 5 Physical, 6 TV. */
  type: number;
  /** `YYYY-MM-DD` */
  date: string;
  certification?: string;
}

/** A collection ("set") of movies. */
export interface FakeCollection {
  id: number;
  /** English name. */
  name: string;
  overview?: string;
  /** Name and overview per language (`de`, `fr`). */
  translations?: Record<string, { name?: string; overview?: string }>;
}

/** One movie as the fake TMDB knows it. */
export interface ProviderServerMovie {
  id: number;
  /** English title. */
  title: string;
  originalTitle?: string;
  /** ISO 639-1 code of the original language. @default 'en' */
  originalLanguage?: string;
  /** First release year; the release date becomes `<year>-06-15` unless `releaseDate` is given. */
  year?: number;
  /** First ("primary") release date, `YYYY-MM-DD`. */
  releaseDate?: string;
  /** Other releases (any country, any type): the search's `year` matches them too. */
  releases?: FakeRelease[];
  /** Age ratings per country, e.g. `{ US: 'R', DE: '16' }`: theatrical releases on the first release date. */
  certifications?: Record<string, string>;
  /** Titles under which the movie is also known (countries' titles, romanisations). */
  alternativeTitles?: string[];
  /** Search order: higher first. @default 1 */
  popularity?: number;
  imdbId?: string;
  /** English plot. */
  plot?: string;
  /** English tagline. */
  tagline?: string;
  runtime?: number;
  genres?: string[];
  studios?: string[];
  rating?: number;
  votes?: number;
  cast?: { name: string; role?: string; photo?: FakeImage }[];
  directors?: string[];
  writers?: string[];
  posters?: FakeImage[];
  backdrops?: FakeImage[];
  logos?: FakeImage[];
  /** YouTube videos. */
  trailers?: { key: string; language?: string; size?: number; official?: boolean; type?: string }[];
  /** Title, plot and tagline per language (`de`, `de-DE`, `pt-BR`); missing fields are untranslated. */
  translations?: Record<string, { title?: string; plot?: string; tagline?: string }>;
  collection?: FakeCollection;
}

/** Movies 1..count ("Movie 001" … from 1990 on), each with posters, fanart, a logo, two actors with photos and a trailer. */
export function makeProviderMovies(count: number, firstId = 1): ProviderServerMovie[] {
  return Array.from({ length: count }, (_, index) => {
    const id = firstId + index;
    const label = String(id).padStart(3, '0');
    return {
      id,
      title: `Movie ${label}`,
      originalTitle: `Movie ${label}`,
      year: 1990 + (index % 30),
      imdbId: `tt${String(id).padStart(7, '0')}`,
      plot: `Plot of movie ${label}. It goes on.`,
      tagline: `Tagline ${label}`,
      runtime: 90 + (index % 60),
      genres: ['Drama'],
      studios: ['Studio One'],
      rating: 7.1,
      votes: 100 + index,
      certifications: { US: 'PG-13' },
      cast: [
        { name: `Lead Actor ${label}`, role: 'Hero', photo: { width: 300, height: 450 } },
        { name: `Second Actor ${label}`, role: 'Villain', photo: { width: 300, height: 450 } },
      ],
      directors: [`Director ${label}`],
      writers: [`Writer ${label}`],
      posters: [
        { width: 1000, height: 1500, language: 'en', votes: 5.5 },
        { width: 2000, height: 3000, language: 'de', votes: 6 },
        { width: 500, height: 750, language: 'en', votes: 9 },
      ],
      backdrops: [
        { width: 1920, height: 1080, votes: 5 },
        { width: 1280, height: 720, language: null, votes: 7 },
      ],
      logos: [{ width: 800, height: 310, language: 'en', format: 'png' }],
      trailers: [{ key: `trailer${label}`, language: 'en', size: 1080 }],
    };
  });
}

/** The movie routes of the fake TMDB over `movies`; images are registered in `images`. */
export function movieRoutes(movies: readonly ProviderServerMovie[], images: FakeImageStore) {
  const releaseDate = (movie: ProviderServerMovie) => movie.releaseDate ?? (movie.year ? `${movie.year}-06-15` : '');
  const allReleases = (movie: ProviderServerMovie): FakeRelease[] => [
    ...Object.entries(movie.certifications ?? {}).flatMap(([country, certification]) => [
      { country, type: 1, date: releaseDate(movie) },
      { country, type: 3, date: releaseDate(movie), certification },
    ]),
    ...(movie.releases ?? []),
  ];
  const byId = (id: string) => movies.find((movie) => String(movie.id) === id);
  const originalLanguage = (movie: ProviderServerMovie) => movie.originalLanguage ?? 'en';
  const originalTitle = (movie: ProviderServerMovie) => movie.originalTitle ?? movie.title;

  /** Translations as TMDB lists them: English from title/plot/tagline, others from `translations`. */
  const translationsOf = (movie: ProviderServerMovie) => {
    const english = {
      iso_639_1: 'en',
      iso_3166_1: 'US',
      name: 'English',
      english_name: 'English',
      // The original language's own translation carries no title: `original_title` is it.
      data: {
        title: originalLanguage(movie) === 'en' ? '' : movie.title,
        overview: movie.plot ?? '',
        tagline: movie.tagline ?? '',
        homepage: '',
        runtime: 0,
      },
    };
    const others = Object.entries(movie.translations ?? {}).map(([tag, t]) => ({
      iso_639_1: primary(tag),
      iso_3166_1: tag.split('-')[1] ?? primary(tag).toUpperCase(),
      name: tag,
      english_name: tag,
      data: { title: t.title ?? '', overview: t.plot ?? '', tagline: t.tagline ?? '', homepage: '', runtime: 0 },
    }));
    return [english, ...others.filter((t) => t.iso_639_1 !== 'en')];
  };
  /** The translation a `language` parameter selects: exact region first, then any of the language. */
  const translationFor = (movie: ProviderServerMovie, language: string | undefined) => {
    const list = translationsOf(movie);
    const tag = language ?? 'en-US';
    const region = tag.split('-')[1]?.toUpperCase();
    const ofLanguage = list.filter((t) => t.iso_639_1 === primary(tag));
    return ofLanguage.find((t) => t.iso_3166_1 === region) ?? ofLanguage[0];
  };
  const localTitle = (movie: ProviderServerMovie, language: string | undefined) =>
    translationFor(movie, language)?.data.title || originalTitle(movie);
  const summary = (movie: ProviderServerMovie, language: string | undefined) => ({
    id: movie.id,
    title: localTitle(movie, language),
    original_title: originalTitle(movie),
    original_language: originalLanguage(movie),
    release_date: releaseDate(movie),
    overview: translationFor(movie, language)?.data.overview ?? '',
    popularity: movie.popularity ?? 1,
  });
  const alternativeTitles = (movie: ProviderServerMovie) => ({
    id: movie.id,
    titles: (movie.alternativeTitles ?? []).map((title) => ({ iso_3166_1: 'US', title, type: '' })),
  });

  const details = (movie: ProviderServerMovie, query: Record<string, string>) => {
    const language = query['language'];
    const translation = translationFor(movie, language);
    const appended = new Set((query['append_to_response'] ?? '').split(',').filter(Boolean));
    const body: Record<string, unknown> = {
      ...summary(movie, language),
      imdb_id: movie.imdbId ?? null,
      overview: translation?.data.overview ?? '',
      tagline: translation?.data.tagline ?? '',
      runtime: movie.runtime ?? 0,
      vote_average: movie.rating ?? 0,
      vote_count: movie.votes ?? 0,
      genres: (movie.genres ?? []).map((name, index) => ({ id: index + 1, name })),
      production_companies: (movie.studios ?? []).map((name, index) => ({ id: index + 1, name, origin_country: 'US' })),
      belongs_to_collection: movie.collection
        ? { id: movie.collection.id, name: collectionOf(movie.collection, language).name, poster_path: null, backdrop_path: null }
        : null,
    };
    if (appended.has('credits')) {
      body['credits'] = {
        cast: (movie.cast ?? []).map((member, index) => ({
          id: index + 1,
          name: member.name,
          character: member.role ?? '',
          order: index,
          profile_path: member.photo ? images.path(movie.id, 'actor', index, member.photo, 'jpg') : null,
        })),
        crew: [
          ...(movie.directors ?? []).map((name) => ({ name, job: 'Director', department: 'Directing' })),
          ...(movie.writers ?? []).flatMap((name) => [
            { name, job: 'Screenplay', department: 'Writing' },
            { name, job: 'Story', department: 'Writing' },
          ]),
        ],
      };
    }
    if (appended.has('release_dates')) {
      const countries = new Map<string, FakeRelease[]>();
      for (const release of allReleases(movie)) countries.set(release.country, [...(countries.get(release.country) ?? []), release]);
      body['release_dates'] = {
        results: [...countries].map(([country, list]) => ({
          iso_3166_1: country,
          release_dates: list.map((r) => ({
            certification: r.certification ?? '',
            type: r.type,
            release_date: `${r.date}T00:00:00.000Z`,
            iso_639_1: '',
            note: '',
          })),
        })),
      };
    }
    if (appended.has('translations')) body['translations'] = { translations: translationsOf(movie) };
    if (appended.has('alternative_titles')) body['alternative_titles'] = { titles: alternativeTitles(movie).titles };
    return body;
  };

  const collectionOf = (collection: FakeCollection, language: string | undefined) => {
    const lang = primary(language ?? 'en-US');
    const translated = lang === 'en' ? { name: collection.name, overview: collection.overview } : collection.translations?.[lang];
    return { id: collection.id, name: translated?.name || collection.name, overview: translated?.overview ?? '', parts: [] };
  };

  /** `movie_results` of `/find/{id}`. */
  const find = (source: string | undefined, id: string, language: string | undefined) =>
    source === 'imdb_id' ? movies.filter((movie) => movie.imdbId === id).map((movie) => summary(movie, language)) : [];

  /** The answer for `path`, or undefined when it is no movie route. */
  const route = (path: string, query: Record<string, string>): RouteAnswer | undefined => {
    const language = query['language'];
    if (path === '/3/search/movie') {
      const text = query['query'] ?? '';
      const year = query['year'];
      const primaryYear = query['primary_release_year'];
      const hits = movies
        .filter((movie) =>
          [
            movie.title,
            originalTitle(movie),
            ...Object.values(movie.translations ?? {}).map((t) => t.title ?? ''),
            ...(movie.alternativeTitles ?? []),
          ].some((title) => titleMatches(text, title)),
        )
        .filter(
          (movie) =>
            year === undefined || [releaseDate(movie), ...allReleases(movie).map((r) => r.date)].some((d) => d.startsWith(`${year}-`)),
        )
        .filter((movie) => primaryYear === undefined || releaseDate(movie).startsWith(`${primaryYear}-`))
        .sort((a, b) => (b.popularity ?? 1) - (a.popularity ?? 1));
      const results = hits.slice(0, 20).map((movie) => summary(movie, language));
      return { status: 200, body: { page: 1, results, total_pages: Math.max(1, Math.ceil(hits.length / 20)), total_results: hits.length } };
    }
    const collection = /^\/3\/collection\/(\d+)$/.exec(path);
    if (collection) {
      const owner = movies.find((movie) => String(movie.collection?.id) === collection[1]);
      return owner?.collection ? { status: 200, body: collectionOf(owner.collection, language) } : NOT_FOUND;
    }
    if (!path.startsWith('/3/movie/')) return undefined;
    const match = /^\/3\/movie\/([^/]+)(\/images|\/videos|\/alternative_titles)?$/.exec(path);
    const movie = match ? byId(decodeURIComponent(match[1] ?? '')) : undefined;
    if (!match || !movie) return NOT_FOUND;
    if (match[2] === '/alternative_titles') return { status: 200, body: alternativeTitles(movie) };
    if (match[2] === '/images') {
      const wanted = wantedLanguages(language, query['include_image_language']);
      const keep = (list: ImageJson[]) => keepLanguages(list, wanted);
      return {
        status: 200,
        body: {
          id: movie.id,
          posters: keep(images.list(movie.id, 'poster', movie.posters, 'jpg')),
          backdrops: keep(images.list(movie.id, 'backdrop', movie.backdrops, 'jpg')),
          logos: keep(images.list(movie.id, 'logo', movie.logos, 'png')),
        },
      };
    }
    if (match[2] === '/videos') {
      const wanted = wantedLanguages(language ?? 'en-US', query['include_video_language']) ?? new Set(['en']);
      const results = (movie.trailers ?? [])
        .filter((trailer) => wanted.has(trailer.language ?? 'en'))
        .map((trailer) => ({
          key: trailer.key,
          site: 'YouTube',
          type: trailer.type ?? 'Trailer',
          size: trailer.size ?? 1080,
          iso_639_1: trailer.language ?? 'en',
          iso_3166_1: 'US',
          official: trailer.official ?? true,
        }));
      return { status: 200, body: { id: movie.id, results } };
    }
    return { status: 200, body: details(movie, query) };
  };

  // Image paths are registered when the JSON naming them is built; build it all once so an
  // image URL works even if the test fetches it before asking for the movie's JSON.
  for (const movie of movies) {
    details(movie, { append_to_response: 'credits' });
    images.list(movie.id, 'poster', movie.posters, 'jpg');
    images.list(movie.id, 'backdrop', movie.backdrops, 'jpg');
    images.list(movie.id, 'logo', movie.logos, 'png');
  }
  return { route, find };
}
