import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/media/errors.js';
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
  certifications: { US: 'R', DE: '16' },
  cast: [
    { name: 'Al Pacino', role: 'Lt. Vincent Hanna', photo: { width: 300, height: 450 } },
    { name: 'Robert De Niro', role: 'Neil McCauley' },
  ],
  directors: ['Michael Mann'],
  writers: ['Michael Mann'],
  posters: [{ width: 1000, height: 1500, language: 'en', votes: 5.3 }],
  backdrops: [{ width: 3840, height: 2160, votes: 6 }],
  logos: [{ width: 800, height: 300, language: 'en', format: 'png' }],
  trailers: [{ key: 'abc123', language: 'en', size: 1080 }],
  translations: { 'de-DE': { title: 'Heat (DE)', plot: 'Ein Meisterdieb.' } },
};
const festival: ProviderServerMovie = { id: 500, title: 'Festival Film', year: 2004 };

let server: ProviderServer;
let tmdb: TmdbProvider;
beforeAll(async () => {
  server = await startProviderServer([heat, festival, ...makeProviderMovies(2, 1)]);
  tmdb = new TmdbProvider({ apiKey: server.apiKey, baseUrl: server.baseUrl, imageBaseUrl: server.imageBaseUrl });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.failNone();
  server.requests.length = 0;
});

describe('TmdbProvider.search', () => {
  it('finds a movie by title and year and sends key, language and year', async () => {
    const hits = await tmdb.search({ title: 'heat', year: 1995, language: 'en-US' });
    expect(hits).toEqual([{ id: '949', title: 'Heat', originalTitle: 'Heat', year: 1995 }]);
    expect(server.requests[0]).toMatchObject({
      path: '/3/search/movie',
      query: { query: 'heat', year: '1995', language: 'en-US', api_key: server.apiKey },
    });
  });

  it('searches again without the year when the folder year is one off, keeping only near years', async () => {
    expect(await tmdb.search({ title: 'Festival Film', year: 2005, language: 'en' })).toEqual([
      expect.objectContaining({ id: '500', year: 2004 }),
    ]);
    expect(server.requests.map((r) => r.query['year'])).toEqual(['2005', undefined]);
    expect(await tmdb.search({ title: 'Festival Film', year: 2010, language: 'en' })).toEqual([]);
  });

  it('answers [] when nothing matches', async () => {
    expect(await tmdb.search({ title: 'No Such Movie', language: 'en' })).toEqual([]);
  });
});

describe('TmdbProvider.details', () => {
  it('maps details, cast (always) and crew, with the certification of the language’s country', async () => {
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
    });
    expect(server.requests[0]?.query).toMatchObject({ append_to_response: 'credits,release_dates', language: 'en-US' });
    const photo = await fetch(details.cast[0]?.thumbUrl ?? '');
    expect(imageSize(new Uint8Array(await photo.arrayBuffer()))).toEqual({ format: 'jpeg', width: 300, height: 450 });
  });

  it('uses the translation and the German rating for de-DE', async () => {
    const details = await tmdb.details('949', { language: 'de-DE' });
    expect(details.title).toBe('Heat (DE)');
    expect(details.plot).toBe('Ein Meisterdieb.');
    expect(details.certification).toBe('16');
  });

  it('throws ProviderError 404 for an unknown id', async () => {
    const error = await tmdb.details('999999', { language: 'en' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'tmdb', status: 404, path: '/movie/999999', transient: false });
  });
});

describe('TmdbProvider.artwork', () => {
  it('lists posters, fanart, logos and trailers with sizes, languages and fetchable URLs', async () => {
    const art = await tmdb.artwork('949');
    expect(art).toEqual([
      { kind: 'poster', url: `${server.imageBaseUrl}/949-poster-0-1000x1500.jpg`, language: 'en', width: 1000, height: 1500, votes: 5.3, ext: 'jpg' },
      { kind: 'fanart', url: `${server.imageBaseUrl}/949-backdrop-0-3840x2160.jpg`, language: null, width: 3840, height: 2160, votes: 6, ext: 'jpg' },
      { kind: 'clearlogo', url: `${server.imageBaseUrl}/949-logo-0-800x300.png`, language: 'en', width: 800, height: 300, votes: 5, ext: 'png' },
      { kind: 'trailer', url: 'https://www.youtube.com/watch?v=abc123', language: 'en', width: 1920, height: 1080, votes: 1 },
    ]);
    const logo = await fetch(art[2]?.url ?? '');
    expect(logo.headers.get('content-type')).toBe('image/png');
    expect(imageSize(new Uint8Array(await logo.arrayBuffer()))).toEqual({ format: 'png', width: 800, height: 300 });
  });
});

describe('TmdbProvider failures', () => {
  it('throws ProviderError 401 for a wrong key, without the key in the message', async () => {
    const bad = new TmdbProvider({ apiKey: 'wrong-secret-key', baseUrl: server.baseUrl });
    const error = await bad.search({ title: 'Heat', language: 'en' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 401, transient: false, code: 'PROVIDER_ERROR' });
    expect((error as Error).message).toContain('Invalid API key');
    expect((error as Error).message).not.toContain('wrong-secret-key');
  });

  it('throws a transient ProviderError on a 503 and works once the server recovers', async () => {
    server.failNext(1, { status: 503 });
    const error = await tmdb.details('949', { language: 'en' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, transient: true });
    expect((await tmdb.details('949', { language: 'en' })).title).toBe('Heat');
  });

  it('throws a ProviderError without status when the connection drops or nobody listens', async () => {
    server.failNext(1, { status: 'reset' });
    const reset = await tmdb.artwork('949').catch((e: unknown) => e);
    expect(reset).toBeInstanceOf(ProviderError);
    expect(reset).toMatchObject({ status: null, transient: true });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const offline = new TmdbProvider({ apiKey: 'k', baseUrl: `http://127.0.0.1:${port}/3` });
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
      const provider = new TmdbProvider({ apiKey: 'k', baseUrl: `http://127.0.0.1:${(odd.address() as AddressInfo).port}/3` });
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
