/**
 * TmdbProvider.series against the fake TMDB (its documented TV answers): what a show, a
 * season and their artwork become; texts in the language, else English, else the
 * original language; the shared client's credential, rate-limit and 404 handling.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/media/errors.js';
import { TmdbProvider } from '../../../src/media/providers/TmdbProvider.js';
import { startProviderServer, type ProviderServer, type ProviderServerShow } from '../support/providerServer.js';

let server: ProviderServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A show with what a German library needs from TMDB, and gaps where TMDB has them. */
const bad: ProviderServerShow = {
  id: 1396,
  name: 'Breaking Bad',
  firstAirDate: '2008-01-20',
  tvdbId: 81189,
  imdbId: 'tt0903747',
  plot: 'A chemistry teacher turns to crime.',
  status: 'Ended',
  genres: ['Drama', 'Crime'],
  networks: ['AMC'],
  rating: 8.9,
  votes: 12000,
  episodeRunTime: [0, 47],
  contentRatings: { US: 'TV-MA', DE: '16' },
  cast: [
    { name: 'Bryan Cranston', roles: [{ character: 'Walter White', episodes: 62 }], photo: { width: 300, height: 450 } },
    { name: 'Aaron Paul', roles: [{ character: 'Jesse Pinkman', episodes: 62 }] },
    {
      name: 'Dean Norris',
      roles: [
        { character: 'Cameo', episodes: 1 },
        { character: 'Hank Schrader', episodes: 60 },
      ],
    },
  ],
  posters: [
    { width: 1000, height: 1500, language: 'en' },
    { width: 1000, height: 1500, language: 'de' },
  ],
  backdrops: [
    { width: 3840, height: 2160, language: 'de', votes: 9 },
    { width: 1920, height: 1080, language: 'xx', votes: 5 },
  ],
  logos: [{ width: 800, height: 310, language: 'en', format: 'svg' }],
  translations: { 'de-DE': { name: 'Breaking Bad', plot: 'Ein Chemielehrer wird zum Verbrecher.' } },
  seasons: [
    { number: 0, episodes: [{ number: 1, name: 'Good Cop Bad Cop', airDate: '2009-02-17' }] },
    {
      number: 1,
      plot: 'High school chemistry teacher Walter White learns he has cancer.',
      airDate: '2008-01-20',
      posters: [
        { width: 680, height: 1000, language: 'de' },
        { width: 680, height: 1000, language: 'fr' },
      ],
      translations: { de: { plot: 'Walter White erfährt von seinem Krebs.' } },
      episodes: [
        {
          number: 1,
          name: 'Pilot',
          plot: 'Walter White starts cooking.',
          airDate: '2008-01-20',
          runtime: 58,
          rating: 8.2,
          votes: 300,
          directors: ['Vince Gilligan'],
          writers: ['Vince Gilligan'],
          guestStars: [{ name: 'Max Arciniega', role: 'Krazy-8', photo: { width: 300, height: 450 } }],
          stills: [
            { width: 1280, height: 720, language: null, votes: 4 },
            { width: 1920, height: 1080, language: null, votes: 6 },
          ],
          translations: { de: { name: 'Der Einstieg', plot: 'Walter beginnt zu kochen.' } },
        },
        // No German at all: TMDB answers "Episode 2" and "".
        { number: 2, name: "Cat's in the Bag...", plot: 'Walt and Jesse clean up.', airDate: '2008-01-27' },
        // A German plot, but no German name.
        {
          number: 3,
          name: "...And the Bag's in the River",
          airDate: '2008-02-10',
          translations: { de: { plot: 'Walt muss sich entscheiden.' } },
        },
      ],
    },
    {
      number: 2,
      name: 'The Second Season Arc',
      airDate: '2009-03-08',
      episodes: [{ number: 1, name: 'Seven Thirty-Seven', plot: 'Walt and Jesse.' }],
    },
  ],
};

/** A German original with no English plot: the last fallback is German. */
const dark: ProviderServerShow = {
  id: 70523,
  name: 'Dark',
  originalName: 'Dark',
  originalLanguage: 'de',
  originCountry: ['DE'],
  firstAirDate: '2017-12-01',
  translations: { de: { name: 'Dark', plot: 'Ein Kind verschwindet in Winden.' } },
  seasons: [
    {
      number: 1,
      translations: { de: { plot: 'Die erste Staffel.' } },
      episodes: [{ number: 1, name: 'Secrets', translations: { de: { name: 'Geheimnisse', plot: 'Mikkel verschwindet.' } } }],
    },
  ],
};

async function start(shows: ProviderServerShow[] = [bad, dark]): Promise<{ tmdb: TmdbProvider; server: ProviderServer }> {
  server = await startProviderServer({ shows });
  return { server, tmdb: new TmdbProvider({ apiKey: server.readAccessToken, baseUrl: server.baseUrl }) };
}

describe('TmdbProvider.series', () => {
  it("reads a show: ids tmdb/tvdb/imdb, status, networks as studios, the country's rating, the cast of every season, the seasons", async () => {
    const { tmdb, server } = await start();
    const show = await tmdb.series.seriesDetails('1396', { language: 'en', country: 'DE' });
    expect(show).toMatchObject({
      providerIds: { tmdb: '1396', tvdb: '81189', imdb: 'tt0903747' },
      title: 'Breaking Bad',
      originalTitle: 'Breaking Bad',
      year: 2008,
      premiered: '2008-01-20',
      plot: 'A chemistry teacher turns to crime.',
      status: 'Ended',
      genres: ['Drama', 'Crime'],
      studios: ['AMC'],
      certification: '16',
      rating: 8.9,
      votes: 12000,
      runtimeMinutes: 47,
    });
    expect(show.cast.map((c) => [c.name, c.role, c.order])).toEqual([
      ['Bryan Cranston', 'Walter White', 0],
      ['Aaron Paul', 'Jesse Pinkman', 1],
      ['Dean Norris', 'Hank Schrader / Cameo', 2],
    ]);
    expect(show.cast[0]!.thumbUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/t\/p\/original\/tv1396-actor-0-300x450\.jpg$/);
    // "Specials" and "Season 1" are TMDB's generic names: left out, so Kodi shows its own.
    expect(show.seasons.map((s) => [s.seasonNumber, s.name, s.episodeCount])).toEqual([
      [0, null, 1],
      [1, null, 3],
      [2, 'The Second Season Arc', 1],
    ]);
    const asked = server.requests.find((r) => r.path === '/3/tv/1396')!;
    expect(asked.query['append_to_response']!.split(',').sort()).toEqual([
      'aggregate_credits',
      'content_ratings',
      'credits',
      'external_ids',
      'translations',
    ]);
    // A country TMDB has no rating for gets none, never another country's.
    expect((await tmdb.series.seriesDetails('1396', { language: 'en', country: 'FR' })).certification).toBeNull();
  });

  it('reads a season: episodes with directors, writers, guest stars; posters in the language, English and textless', async () => {
    const { tmdb, server } = await start();
    const season = await tmdb.series.seasonDetails('1396', 1, { language: 'en' });
    expect(season).toMatchObject({ seasonNumber: 1, name: null, premiered: '2008-01-20', episodeCount: 3 });
    const [pilot] = season.episodes;
    expect(pilot).toMatchObject({
      providerIds: { tmdb: expect.any(String) },
      seasonNumber: 1,
      episodeNumber: 1,
      title: 'Pilot',
      plot: 'Walter White starts cooking.',
      aired: '2008-01-20',
      runtimeMinutes: 58,
      rating: 8.2,
      votes: 300,
      directors: ['Vince Gilligan'],
      writers: ['Vince Gilligan'],
      guestStars: [{ name: 'Max Arciniega', role: 'Krazy-8', order: 0, thumbUrl: expect.stringMatching(/\/t\/p\/original\/.+\.jpg$/) }],
      thumbs: [],
    });
    // The French poster is not asked for (include_image_language), the German one neither in English.
    expect(season.artwork).toEqual([]);
    const german = await tmdb.series.seasonDetails('1396', 1, { language: 'de' });
    expect(german.artwork.map((a) => [a.kind, a.language, a.width, a.height])).toEqual([['poster', 'de', 680, 1000]]);
    const request = server.requests.find((r) => r.path === '/3/tv/1396/season/1' && r.query['language'] === 'de')!;
    expect(request.query).toMatchObject({ language: 'de', append_to_response: 'images', include_image_language: 'de,en,null' });
    await expect(tmdb.series.seasonDetails('1396', 7, { language: 'en' })).rejects.toMatchObject({ name: 'ProviderError', status: 404 });
  });

  it('German: texts TMDB has not translated come in English (a show, a season, an episode name or plot), with one more request per season', async () => {
    const { tmdb, server } = await start();
    const show = await tmdb.series.seriesDetails('1396', { language: 'de', country: 'DE' });
    expect(show.plot).toBe('Ein Chemielehrer wird zum Verbrecher.');
    const before = server.requests.length;
    const season = await tmdb.series.seasonDetails('1396', 1, { language: 'de' });
    expect(season.plot).toBe('Walter White erfährt von seinem Krebs.');
    expect(season.episodes.map((e) => [e.title, e.plot])).toEqual([
      ['Der Einstieg', 'Walter beginnt zu kochen.'],
      ["Cat's in the Bag...", 'Walt and Jesse clean up.'],
      ["...And the Bag's in the River", 'Walt muss sich entscheiden.'],
    ]);
    const asked = server.requests.slice(before).map((r) => `${r.path}?${r.query['language']}`);
    expect(asked).toEqual(['/3/tv/1396/season/1?de', '/3/tv/1396/season/1?en-US']);
    // A season that has everything in German needs no second request.
    const complete = server.requests.length;
    await tmdb.series.seasonDetails('1396', 2, { language: 'en' });
    expect(server.requests.length - complete).toBe(1);
  });

  it('French for a German show with no English texts: title in English, plots from the original German', async () => {
    const { tmdb } = await start();
    const show = await tmdb.series.seriesDetails('70523', { language: 'fr', country: 'FR' });
    expect(show).toMatchObject({ title: 'Dark', originalTitle: 'Dark', plot: 'Ein Kind verschwindet in Winden.' });
    const season = await new TmdbProvider({ apiKey: server!.apiKey, baseUrl: server!.baseUrl }).series.seasonDetails('70523', 1, {
      language: 'fr',
    });
    expect(season.plot).toBe('Die erste Staffel.');
    expect(season.episodes.map((e) => [e.title, e.plot])).toEqual([['Secrets', 'Mikkel verschwindet.']]);
  });

  it('artwork: every language of the show, stills per episode with their sizes, SVG logos as PNG', async () => {
    const { tmdb } = await start();
    const art = await tmdb.series.seriesArtwork('1396', { language: 'de' });
    expect(art.map((a) => [a.kind, a.language, a.width, a.ext])).toEqual([
      ['poster', 'en', 1000, 'jpg'],
      ['poster', 'de', 1000, 'jpg'],
      ['fanart', 'de', 3840, 'jpg'],
      ['fanart', null, 1920, 'jpg'],
      ['clearlogo', 'en', 800, 'png'],
    ]);
    expect(art.find((a) => a.kind === 'clearlogo')!.url).toMatch(/\.png$/);
    const stills = await tmdb.series.episodeArtwork('1396', 1, 1, { language: 'de' });
    expect(stills.map((s) => [s.kind, s.width, s.height, s.votes])).toEqual([
      ['thumb', 1280, 720, 4],
      ['thumb', 1920, 1080, 6],
    ]);
    expect(await tmdb.series.episodeArtwork('1396', 1, 99, { language: 'de' })).toEqual([]);
  });

  it("shares the movie provider's client: a refused credential fails every series call after one request", async () => {
    server = await startProviderServer({ shows: [bad] });
    const tmdb = new TmdbProvider({ apiKey: '0123456789abcdef0123456789abcdef', baseUrl: server.baseUrl });
    const calls = [
      tmdb.series.searchSeries({ title: 'Breaking Bad', language: 'en' }),
      tmdb.series.seriesDetails('1396', { language: 'en' }),
      tmdb.series.seasonDetails('1396', 1, { language: 'en' }),
      tmdb.search({ title: 'Heat', language: 'en' }),
    ];
    const outcomes = await Promise.allSettled(calls);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'PROVIDER_CREDENTIALS', transient: false });
    }
    expect(server.requests).toHaveLength(1);
    await expect(tmdb.series.seriesArtwork('1396', { language: 'en' })).rejects.toBeInstanceOf(ProviderError);
    expect(server.requests).toHaveLength(1);
  });

  it('waits out a rate limit with its Retry-After, as movie calls do', async () => {
    const { tmdb, server } = await start();
    server.failNext(1, { status: 429, match: '/3/tv/1396', retryAfter: '0' });
    expect((await tmdb.series.seriesDetails('1396', { language: 'en' })).title).toBe('Breaking Bad');
    expect(server.requests.filter((r) => r.path === '/3/tv/1396').map((r) => r.status)).toEqual([429, 200]);
  });
});
