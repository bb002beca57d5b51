import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { ProviderCredentialsError, ProviderError } from '../../../src/media/errors.js';
import { TmdbProvider } from '../../../src/media/providers/TmdbProvider.js';
import { imageSize } from '../support/images.js';
import { makeProviderMovies, type ProviderServer, type ProviderServerMovie, startProviderServer } from '../support/providerServer.js';

const heat: ProviderServerMovie = {
  id: 949,
  title: 'Heat',
  originalTitle: 'Heat',
  releaseDate: '1995-12-15',
  imdbId: 'tt0113277',
  plot: 'Obsessive master thief Neil McCauley leads a top-notch crew.',
  tagline: 'A Los Angeles crime saga',
  runtime: 170,
  genres: ['Action', 'Crime', 'Drama'],
  studios: ['Regency Enterprises'],
  rating: 7.9,
  votes: 7000,
  releases: [
    { country: 'US', type: 1, date: '1995-12-06', certification: 'NR' },
    { country: 'US', type: 3, date: '1995-12-15', certification: 'R' },
    { country: 'DE', type: 1, date: '1996-01-20', certification: '18' },
    { country: 'DE', type: 5, date: '1996-08-01', certification: '16' },
    { country: 'DE', type: 4, date: '2010-03-01', certification: '12' },
    { country: 'FR', type: 3, date: '1996-02-21' },
  ],
  cast: [
    { name: 'Al Pacino', role: 'Lt. Vincent Hanna', photo: { width: 300, height: 450 } },
    { name: 'Robert De Niro', role: 'Neil McCauley' },
  ],
  directors: ['Michael Mann'],
  writers: ['Michael Mann'],
  posters: [
    { width: 1000, height: 1500, language: 'en', votes: 5.3, voteCount: 12 },
    { width: 1000, height: 1500, language: 'xx', votes: 5.2 },
  ],
  backdrops: [{ width: 3840, height: 2160, votes: 6 }],
  logos: [
    { width: 800, height: 300, language: 'en', format: 'png' },
    { width: 1200, height: 400, language: 'de', format: 'svg' },
  ],
  trailers: [
    { key: 'abc123', language: 'en', size: 1080 },
    { key: 'de456', language: 'de', size: 720, official: false },
    { key: 'fr789', language: 'fr', size: 1080 },
    { key: 'teaser', language: 'en', size: 1080, type: 'Teaser' },
  ],
  translations: { 'de-DE': { title: 'Heat (DE)', plot: 'Ein Meisterdieb.' } },
};
/** A Japanese film with an English translation and none in German. */
const spirited: ProviderServerMovie = {
  id: 129,
  title: 'Spirited Away',
  originalTitle: '千と千尋の神隠し',
  originalLanguage: 'ja',
  releaseDate: '2001-07-20',
  plot: 'A young girl wanders into a world of spirits.',
  tagline: 'Nothing lasts forever.',
  translations: { ja: { plot: '10歳の少女千尋。', tagline: 'トンネルのむこうは' } },
};
/** A film known only in its original language. */
const obscure: ProviderServerMovie = {
  id: 77,
  title: 'Kleiner Film',
  originalTitle: 'Kleiner Film',
  originalLanguage: 'de',
  releaseDate: '2011-05-05',
  translations: { de: { plot: 'Nur auf Deutsch.' } },
};
const matrix: ProviderServerMovie = {
  id: 603,
  title: 'The Matrix',
  releaseDate: '1999-03-31',
  imdbId: 'tt0133093',
  collection: {
    id: 2344,
    name: 'The Matrix Collection',
    overview: 'The Matrix trilogy and its sequel.',
    translations: { de: { name: 'Matrix Filmreihe' } },
  },
};
/** Premiered at a festival in 2004, in cinemas in 2005. */
const festival: ProviderServerMovie = {
  id: 500,
  title: 'Festival Film',
  releaseDate: '2004-09-10',
  releases: [{ country: 'US', type: 3, date: '2005-03-04' }],
};
/** Released in 2004 only: a 2005 folder finds it only through the search without year. */
const lateFolder: ProviderServerMovie = { id: 501, title: 'Late Folder', releaseDate: '2004-12-30' };

let server: ProviderServer;
let tmdb: TmdbProvider;
beforeAll(async () => {
  server = await startProviderServer([heat, spirited, obscure, matrix, festival, lateFolder, ...makeProviderMovies(2, 1)]);
  tmdb = new TmdbProvider({ apiKey: server.apiKey, baseUrl: server.baseUrl });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.failNone();
  server.requests.length = 0;
});

const apiRequests = () => server.requests.filter((r) => r.path !== '/3/configuration');

describe('TmdbProvider.search', () => {
  it("finds a movie by title and year, sending the year as TMDB's all-release-dates filter", async () => {
    const hits = await tmdb.search({ title: 'heat', year: 1995, language: 'en-US' });
    expect(hits).toEqual([{ id: '949', title: 'Heat', originalTitle: 'Heat', year: 1995 }]);
    expect(server.requests[0]).toMatchObject({
      path: '/3/search/movie',
      auth: 'api_key',
      query: { query: 'heat', year: '1995', language: 'en-US', include_adult: 'false' },
    });
  });

  it('finds a festival film by its cinema year, and a film one year off by the search without year', async () => {
    expect(await tmdb.search({ title: 'Festival Film', year: 2005, language: 'en' })).toEqual([
      expect.objectContaining({ id: '500', year: 2004 }),
    ]);
    expect(server.requests.map((r) => r.query['year'])).toEqual(['2005']);
    server.requests.length = 0;
    expect(await tmdb.search({ title: 'Late Folder', year: 2005, language: 'en' })).toEqual([expect.objectContaining({ id: '501' })]);
    expect(server.requests.filter((r) => r.path === '/3/search/movie').map((r) => r.query['year'])).toEqual(['2005', undefined]);
    expect(await tmdb.search({ title: 'Late Folder', year: 2007, language: 'en' })).toEqual([]);
  });

  it('looks up ids written in the folder name before any search: TMDB id, then IMDb id through /find', async () => {
    expect((await tmdb.search({ title: 'Anything', language: 'de', ids: { tmdb: '603' } }))[0]).toMatchObject({ id: '603' });
    expect(apiRequests().map((r) => r.path)).toEqual(['/3/movie/603']);
    server.requests.length = 0;
    expect((await tmdb.search({ title: 'Anything', language: 'de', ids: { imdb: 'tt0113277' } }))[0]).toMatchObject({ id: '949' });
    expect(apiRequests().map((r) => [r.path, r.query['external_source']])).toEqual([['/3/find/tt0113277', 'imdb_id']]);
  });

  it('falls back to the title when TMDB does not know the id (404 on the TMDB id, nothing found for the IMDb id)', async () => {
    const hits = await tmdb.search({ title: 'The Matrix', year: 1999, language: 'en', ids: { tmdb: '99999999', imdb: 'tt9999999' } });
    expect(hits.map((h) => h.id)).toEqual(['603']);
    expect(apiRequests().map((r) => [r.path, r.status])).toEqual([
      ['/3/movie/99999999', 404],
      ['/3/find/tt9999999', 200],
      ['/3/search/movie', 200],
    ]);
  });

  it('answers [] when nothing matches, and for a title that is only punctuation', async () => {
    expect(await tmdb.search({ title: 'No Such Movie', language: 'en' })).toEqual([]);
    expect(await tmdb.search({ title: '...', language: 'en' })).toEqual([]);
  });
});

describe('TmdbProvider.details', () => {
  it('maps details, cast (always) and crew, with the US theatrical rating by default', async () => {
    const details = await tmdb.details('949', { language: 'en-US' });
    expect(details).toEqual({
      providerIds: { tmdb: '949', imdb: 'tt0113277' },
      title: 'Heat',
      originalTitle: 'Heat',
      year: 1995,
      plot: heat.plot,
      tagline: heat.tagline,
      runtimeMinutes: 170,
      genres: ['Action', 'Crime', 'Drama'],
      studios: ['Regency Enterprises'],
      premiered: '1995-12-15',
      rating: 7.9,
      votes: 7000,
      certification: 'R',
      cast: [
        { name: 'Al Pacino', role: 'Lt. Vincent Hanna', order: 0, thumbUrl: `${server.imageBaseUrl}/949-actor-0-300x450.jpg` },
        { name: 'Robert De Niro', role: 'Neil McCauley', order: 1 },
      ],
      directors: ['Michael Mann'],
      writers: ['Michael Mann'],
      set: null,
    });
    expect(server.requests[0]?.query).toMatchObject({ append_to_response: 'credits,release_dates,translations', language: 'en-US' });
    const photo = await fetch(details.cast[0]?.thumbUrl ?? '');
    expect(imageSize(new Uint8Array(await photo.arrayBuffer()))).toEqual({ format: 'jpeg', width: 300, height: 450 });
  });

  it('takes the certification of the asked country, theatrical and digital releases before physical and premieres', async () => {
    // DE: premiere 18, physical 16, digital 12: digital wins over physical and premiere.
    expect((await tmdb.details('949', { language: 'de', country: 'DE' })).certification).toBe('12');
    // FR has a release without a rating; GB none at all: no certification rather than another country's.
    expect((await tmdb.details('949', { language: 'fr', country: 'FR' })).certification).toBeNull();
    expect((await tmdb.details('949', { language: 'en', country: 'GB' })).certification).toBeNull();
    const german = new TmdbProvider({ apiKey: server.apiKey, baseUrl: server.baseUrl, certificationCountry: 'de' });
    expect((await german.details('949', { language: 'de' })).certification).toBe('12');
  });

  it('uses the translation, and English where the translation leaves a field empty', async () => {
    const details = await tmdb.details('949', { language: 'de' });
    expect(details.title).toBe('Heat (DE)');
    expect(details.plot).toBe('Ein Meisterdieb.');
    // No German tagline: TMDB answers "", Kodi's scraper (and this provider) fall back to English.
    expect(details.tagline).toBe(heat.tagline);
  });

  it('falls back to the English title and plot for a film with no translation, then to the original language', async () => {
    const ghibli = await tmdb.details('129', { language: 'de' });
    // TMDB answers an untranslated title with the original one ("千と千尋の神隠し") and an empty plot.
    expect(ghibli).toMatchObject({
      title: 'Spirited Away',
      originalTitle: '千と千尋の神隠し',
      plot: spirited.plot,
      tagline: spirited.tagline,
    });
    // In its own language the original title is the title.
    expect(await tmdb.details('129', { language: 'ja' })).toMatchObject({ title: '千と千尋の神隠し', plot: '10歳の少女千尋。' });
    // Nothing in English either: the original language's texts.
    expect(await tmdb.details('77', { language: 'fr' })).toMatchObject({ title: 'Kleiner Film', plot: 'Nur auf Deutsch.', tagline: null });
  });

  it('reads the collection as the set, its overview in English when the language has none', async () => {
    expect((await tmdb.details('603', { language: 'en' })).set).toEqual({
      name: 'The Matrix Collection',
      overview: 'The Matrix trilogy and its sequel.',
    });
    server.requests.length = 0;
    expect((await tmdb.details('603', { language: 'de' })).set).toEqual({
      name: 'Matrix Filmreihe',
      overview: 'The Matrix trilogy and its sequel.',
    });
    expect(apiRequests().map((r) => [r.path, r.query['language']])).toEqual([
      ['/3/movie/603', 'de'],
      ['/3/collection/2344', 'de'],
      ['/3/collection/2344', 'en'],
    ]);
  });

  it('throws ProviderError 404 for an unknown id', async () => {
    const error = await tmdb.details('999999', { language: 'en' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'tmdb', status: 404, path: '/movie/999999', transient: false });
  });
});

describe('TmdbProvider.artwork', () => {
  it('lists posters, fanart, logos (SVG as PNG) and YouTube trailers in the language and English', async () => {
    const art = await tmdb.artwork('949', { language: 'de' });
    expect(art).toEqual([
      {
        kind: 'poster',
        url: `${server.imageBaseUrl}/949-poster-0-1000x1500.jpg`,
        language: 'en',
        width: 1000,
        height: 1500,
        votes: 5.3,
        voteCount: 12,
        ext: 'jpg',
      },
      // "xx" is TMDB's "no language": a textless image.
      {
        kind: 'poster',
        url: `${server.imageBaseUrl}/949-poster-1-1000x1500.jpg`,
        language: null,
        width: 1000,
        height: 1500,
        votes: 5.2,
        voteCount: 10,
        ext: 'jpg',
      },
      {
        kind: 'fanart',
        url: `${server.imageBaseUrl}/949-backdrop-0-3840x2160.jpg`,
        language: null,
        width: 3840,
        height: 2160,
        votes: 6,
        voteCount: 10,
        ext: 'jpg',
      },
      {
        kind: 'clearlogo',
        url: `${server.imageBaseUrl}/949-logo-0-800x300.png`,
        language: 'en',
        width: 800,
        height: 300,
        votes: 5,
        voteCount: 10,
        ext: 'png',
      },
      {
        kind: 'clearlogo',
        url: `${server.imageBaseUrl}/949-logo-1-1200x400.png`,
        language: 'de',
        width: 1200,
        height: 400,
        votes: 5,
        voteCount: 10,
        ext: 'png',
      },
      { kind: 'trailer', url: 'https://www.youtube.com/watch?v=abc123', language: 'en', width: 1920, height: 1080, votes: 1 },
      { kind: 'trailer', url: 'https://www.youtube.com/watch?v=de456', language: 'de', width: 1280, height: 720, votes: 0 },
    ]);
    const videos = server.requests.find((r) => r.path === '/3/movie/949/videos');
    expect(videos?.query).toMatchObject({ language: 'de', include_video_language: 'de,en' });
    const logo = await fetch(art[4]?.url ?? '');
    expect(logo.headers.get('content-type')).toBe('image/png');
    expect(imageSize(new Uint8Array(await logo.arrayBuffer()))).toEqual({ format: 'png', width: 1200, height: 400 });
  });
});

describe('TmdbProvider credentials and failures', () => {
  it('works with the API Read Access Token as well as the v3 key', async () => {
    const withToken = new TmdbProvider({ apiKey: server.readAccessToken, baseUrl: server.baseUrl });
    expect((await withToken.search({ title: 'Heat', year: 1995, language: 'en' })).map((h) => h.id)).toEqual(['949']);
    expect((await withToken.details('949', { language: 'en' })).cast[0]?.thumbUrl).toBe(`${server.imageBaseUrl}/949-actor-0-300x450.jpg`);
    expect(new Set(server.requests.map((r) => r.auth))).toEqual(new Set(['bearer']));
  });

  it('refuses a credential of neither shape at construction, naming the option', () => {
    expect(() => new TmdbProvider({ apiKey: 'my-tmdb-key' })).toThrow(ValidationError);
  });

  it('throws ProviderCredentialsError for a wrong key, without the key in the message', async () => {
    const bad = new TmdbProvider({ apiKey: '0000000000000000000000000000beef', baseUrl: server.baseUrl });
    const error = await bad.search({ title: 'Heat', language: 'en' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderCredentialsError);
    expect(error).toMatchObject({ status: 401, transient: false, code: 'PROVIDER_CREDENTIALS' });
    expect((error as Error).message).toContain('Invalid API key');
    expect((error as Error).message).not.toContain('beef');
  });

  it('throws a transient ProviderError on a 503 and works once the server recovers', async () => {
    server.failNext(1, { status: 503 });
    const error = await tmdb.details('949', { language: 'en' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, transient: true });
    expect((await tmdb.details('949', { language: 'en' })).title).toBe('Heat');
  });

  it('throws a ProviderError without status when the connection drops or nobody listens', async () => {
    server.failNext(1, { status: 'reset' });
    const reset = await tmdb.artwork('949', { language: 'en' }).catch((e: unknown) => e);
    expect(reset).toBeInstanceOf(ProviderError);
    expect(reset).toMatchObject({ status: null, transient: true });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const offline = new TmdbProvider({ apiKey: server.apiKey, baseUrl: `http://127.0.0.1:${port}/3` });
    const refused = await offline.search({ title: 'x', language: 'en' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderError);
    expect((refused as ProviderError).status).toBeNull();
  });

  it('throws a ProviderError for an answer of the wrong shape or not JSON', async () => {
    const odd = createServer((req, res) => {
      if (req.url?.startsWith('/3/search')) res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"results":"nope"}');
      else res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>proxy</html>');
    });
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
    try {
      const provider = new TmdbProvider({ apiKey: server.apiKey, baseUrl: `http://127.0.0.1:${(odd.address() as AddressInfo).port}/3` });
      const shape = await provider.search({ title: 'x', language: 'en' }).catch((e: unknown) => e);
      expect(shape).toBeInstanceOf(ProviderError);
      expect((shape as Error).message).toMatch(/unexpected answer \(results/);
      const html = await provider.details('1', { language: 'en' }).catch((e: unknown) => e);
      expect((html as Error).message).toContain('not JSON');
    } finally {
      await new Promise<void>((resolve) => odd.close(() => resolve()));
    }
  });

  it('rethrows the abort reason instead of a ProviderError', async () => {
    const controller = new AbortController();
    const reason = new Error('timed out');
    controller.abort(reason);
    await expect(tmdb.search({ title: 'Heat', language: 'en' }, controller.signal)).rejects.toBe(reason);
  });
});
