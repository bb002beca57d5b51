/**
 * The TV pipeline as a TMDB user meets it, judged by the folders it leaves: a temp
 * `tvshows` library of real show folder names, enriched from the fake TMDB, gets Kodi's
 * tvshow.nfo (ids with tmdb as default, networks, status, the country's rating, cast),
 * artwork ranked as for movies, season posters, and one NFO and still per episode file;
 * German settings get German texts with English where TMDB has none; a near miss gets
 * what the scan knew; a refused credential fails every enrichment at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { TmdbProvider } from '../../../src/media/providers/TmdbProvider.js';
import { imageSize } from '../support/images.js';
import { startProviderServer, type ProviderServer, type ProviderServerShow } from '../support/providerServer.js';
import { TMDB_SHOWS } from '../support/tmdbTvCatalogue.js';
import { addVideo, listFiles, startTvPipeline, type TvPipeline } from './harness.js';

let pipeline: TvPipeline | undefined;
let server: ProviderServer | undefined;
afterEach(async () => {
  await pipeline?.close();
  await server?.close();
  pipeline = undefined;
  server = undefined;
});

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  isArray: (name) => ['actor', 'uniqueid', 'namedseason', 'genre', 'studio', 'director', 'credits'].includes(name),
});

const still = { width: 1920, height: 1080 };

/** Breaking Bad as TMDB has it, with a German translation of some of it. */
const breakingBad: ProviderServerShow = {
  ...TMDB_SHOWS.find((s) => s.id === 1396)!,
  plot: 'A chemistry teacher turns to crime.',
  genres: ['Drama'],
  networks: ['AMC'],
  contentRatings: { US: 'TV-MA', DE: '16' },
  rating: 8.9,
  votes: 12000,
  cast: [{ name: 'Bryan Cranston', roles: [{ character: 'Walter White', episodes: 62 }], photo: { width: 300, height: 450 } }],
  posters: [
    { width: 1000, height: 1500, language: 'en' },
    { width: 800, height: 1200, language: 'de' },
  ],
  backdrops: [
    { width: 3840, height: 2160, language: 'de', votes: 9 },
    { width: 1920, height: 1080, language: 'xx', votes: 5 },
  ],
  logos: [{ width: 800, height: 310, language: 'en', format: 'png' }],
  translations: { de: { name: 'Breaking Bad', plot: 'Ein Chemielehrer wird zum Verbrecher.' } },
  seasons: [
    {
      number: 0,
      posters: [{ width: 680, height: 1000 }],
      episodes: [{ number: 1, name: 'Good Cop Bad Cop', airDate: '2009-02-17', stills: [still] }],
    },
    {
      number: 1,
      airDate: '2008-01-20',
      plot: 'Walter White learns he has cancer.',
      posters: [{ width: 680, height: 1000, language: null }],
      episodes: [
        {
          number: 1,
          name: 'Pilot',
          plot: 'Walter White starts cooking.',
          airDate: '2008-01-20',
          runtime: 58,
          directors: ['Vince Gilligan'],
          writers: ['Vince Gilligan'],
          guestStars: [{ name: 'Max Arciniega', role: 'Krazy-8' }],
          stills: [{ width: 1280, height: 720, votes: 9 }, still],
          translations: { de: { name: 'Der Einstieg', plot: 'Walter beginnt zu kochen.' } },
        },
        { number: 2, name: "Cat's in the Bag...", plot: 'Walt and Jesse clean up.', airDate: '2008-01-27', stills: [still] },
        { number: 3, name: "...And the Bag's in the River", plot: 'Walt decides.', airDate: '2008-02-10', stills: [still] },
        { number: 4, name: 'Cancer Man', plot: 'Walt tells his family.', airDate: '2008-02-17', stills: [still] },
      ],
    },
  ],
};

const officeUs: ProviderServerShow = {
  ...TMDB_SHOWS.find((s) => s.id === 2316)!,
  seasons: [{ number: 2, episodes: [{ number: 1, name: 'The Dundies', plot: 'Michael hosts the Dundies.', stills: [still] }] }],
};

const SHOWS = [breakingBad, officeUs, ...TMDB_SHOWS.filter((s) => s.id !== 1396 && s.id !== 2316)];

const BB = 'Breaking Bad (2008)';
const BB_FILES = [
  'Season 01/Breaking.Bad.S01E01.Pilot.1080p.mkv',
  'Season 01/Breaking.Bad.S01E02E03.1080p.mkv',
  'Specials/Breaking.Bad.S00E01.mkv',
];

/** The library, the fake TMDB and a pipeline enriching from it with `apiKey` (the server's when absent). */
async function start(apiKey?: string): Promise<TvPipeline> {
  server = await startProviderServer({ shows: SHOWS });
  const provider = new TmdbProvider({ apiKey: apiKey ?? server.apiKey, baseUrl: server.baseUrl });
  pipeline = await startTvPipeline({ library: false, provider });
  for (const file of BB_FILES) addVideo(path.join(pipeline.tv, BB, file));
  addVideo(path.join(pipeline.tv, 'The Office (US)', 'Season 02', 'The.Office.US.S02E01.mkv'));
  addVideo(path.join(pipeline.tv, 'Doctor Who (1990)', 'Season 01', 'Doctor.Who.S01E01.mkv'));
  return pipeline;
}

async function scan(p: TvPipeline): Promise<void> {
  await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.tv } });
  await p.idle();
}

function showNfo(p: TvPipeline, folder: string): Record<string, any> {
  return (parser.parse(readFileSync(path.join(p.tv, folder, 'tvshow.nfo'), 'utf8')) as { tvshow: Record<string, any> }).tvshow;
}

/** The `<episodedetails>` blocks of an episode NFO, each parsed on its own as Kodi finds them. */
function episodes(p: TvPipeline, file: string): Record<string, any>[] {
  const text = readFileSync(path.join(p.tv, file.replace(/\.mkv$/, '.nfo')), 'utf8');
  return text
    .split(/(?=<episodedetails)/)
    .slice(1)
    .map((block) => (parser.parse(block) as { episodedetails: Record<string, any> }).episodedetails);
}

const size = (file: string) => imageSize(readFileSync(file));

describe('the TV pipeline on TMDB', () => {
  it('writes tvshow.nfo, artwork, season posters and one NFO and still per episode file, as Kodi reads them', async () => {
    const p = await start();
    await scan(p);
    expect(p.failed).toEqual([]);
    expect(p.done('publish-tvshow')).toHaveLength(3);

    const show = showNfo(p, BB);
    expect(show).toMatchObject({
      title: 'Breaking Bad',
      year: '2008',
      premiered: '2008-01-20',
      plot: 'A chemistry teacher turns to crime.',
    });
    expect(show).toMatchObject({ status: 'Ended', studio: ['AMC'], genre: ['Drama'], mpaa: 'TV-MA' });
    expect(show['uniqueid']).toEqual([
      { '#text': '1396', '@type': 'tmdb', '@default': 'true' },
      { '#text': '81189', '@type': 'tvdb' },
      { '#text': 'tt0903747', '@type': 'imdb' },
    ]);
    // The actor's photo is saved in .actors (publish.actors), so the NFO names no URL for it.
    expect(show['actor']).toEqual([expect.objectContaining({ name: 'Bryan Cranston', role: 'Walter White' })]);
    expect(show['actor'][0]).not.toHaveProperty('thumb');
    // TMDB's "Season 1" and "Specials" are generic: Kodi shows its own, translated names.
    expect(show).not.toHaveProperty('namedseason');

    const folder = path.join(p.tv, BB);
    expect(listFiles(folder)).toEqual(
      [
        '.actors/Bryan_Cranston.jpg',
        'clearlogo.png',
        'fanart.jpg',
        'poster.jpg',
        'season-all-poster.jpg',
        'season-specials-poster.jpg',
        'season01-poster.jpg',
        'tvshow.nfo',
        ...BB_FILES.flatMap((f) => [f, f.replace(/\.mkv$/, '.nfo'), f.replace(/\.mkv$/, '-thumb.jpg')]),
      ].sort(),
    );
    // The English poster; textless fanart before the bigger German one; the bigger still.
    expect(size(path.join(folder, 'poster.jpg'))).toMatchObject({ width: 1000, height: 1500 });
    expect(size(path.join(folder, 'fanart.jpg'))).toMatchObject({ width: 1920, height: 1080 });
    expect(size(path.join(folder, 'Season 01', 'Breaking.Bad.S01E01.Pilot.1080p-thumb.jpg'))).toMatchObject({ width: 1920, height: 1080 });

    const [pilot] = episodes(p, path.join(BB, BB_FILES[0]!));
    expect(pilot).toMatchObject({
      title: 'Pilot',
      season: '1',
      episode: '1',
      plot: 'Walter White starts cooking.',
      aired: '2008-01-20',
      runtime: '58',
      director: ['Vince Gilligan'],
      credits: ['Vince Gilligan'],
      actor: [expect.objectContaining({ name: 'Max Arciniega', role: 'Krazy-8' })],
    });
    expect(pilot!['uniqueid']).toEqual([{ '#text': expect.stringMatching(/^\d+$/), '@type': 'tmdb', '@default': 'true' }]);
    expect(episodes(p, path.join(BB, BB_FILES[1]!)).map((e) => [e['season'], e['episode'], e['title']])).toEqual([
      ['1', '2', "Cat's in the Bag..."],
      ['1', '3', "...And the Bag's in the River"],
    ]);
    expect(episodes(p, path.join(BB, BB_FILES[2]!)).map((e) => [e['season'], e['episode'], e['title']])).toEqual([
      ['0', '1', 'Good Cop Bad Cop'],
    ]);

    // "The Office (US)" is the American show, not the British one of the same name.
    expect(showNfo(p, 'The Office (US)')['uniqueid'][0]).toEqual({ '#text': '2316', '@type': 'tmdb', '@default': 'true' });
    expect(episodes(p, 'The Office (US)/Season 02/The.Office.US.S02E01.mkv')[0]).toMatchObject({ title: 'The Dundies' });

    // Stills were asked for the episodes on disk only: BB has 5 in season 1, 4 of them on disk.
    const stills = () =>
      server!.requests.filter((r) => /\/episode\/\d+\/images$/.test(r.path)).map((r) => r.path.replace(/^\/3\/tv\//, ''));
    expect(stills().sort()).toEqual([
      '1396/season/0/episode/1/images',
      '1396/season/1/episode/1/images',
      '1396/season/1/episode/2/images',
      '1396/season/1/episode/3/images',
      '2316/season/2/episode/1/images',
    ]);

    // A new episode costs one still request, not one per episode of its season.
    const before = stills().length;
    addVideo(path.join(folder, 'Season 01', 'Breaking.Bad.S01E04.mkv'));
    await scan(p);
    expect(p.failed).toEqual([]);
    expect(stills().slice(before)).toEqual(['1396/season/1/episode/4/images']);
    expect(existsSync(path.join(folder, 'Season 01', 'Breaking.Bad.S01E02E03.1080p-thumb.jpg'))).toBe(true);
    expect(episodes(p, path.join(BB, 'Season 01/Breaking.Bad.S01E04.mkv'))[0]).toMatchObject({ title: 'Cancer Man' });
  });

  it('German settings: German texts where TMDB has them, English where not, the German rating and poster', async () => {
    const p = await start();
    await p.phases.setPhase('enrichment', { language: 'de', certificationCountry: 'DE' });
    await scan(p);
    expect(p.failed).toEqual([]);
    const show = showNfo(p, BB);
    expect(show).toMatchObject({ title: 'Breaking Bad', plot: 'Ein Chemielehrer wird zum Verbrecher.', mpaa: '16' });
    expect(size(path.join(p.tv, BB, 'poster.jpg'))).toMatchObject({ width: 800, height: 1200 });
    expect(size(path.join(p.tv, BB, 'fanart.jpg'))).toMatchObject({ width: 1920, height: 1080 });
    expect(episodes(p, path.join(BB, BB_FILES[0]!))[0]).toMatchObject({ title: 'Der Einstieg', plot: 'Walter beginnt zu kochen.' });
    // No German at all for these: TMDB's "Episode 2" placeholder is replaced by the English name.
    expect(episodes(p, path.join(BB, BB_FILES[1]!)).map((e) => [e['title'], e['plot']])).toEqual([
      ["Cat's in the Bag...", 'Walt and Jesse clean up.'],
      ["...And the Bag's in the River", 'Walt decides.'],
    ]);
  });

  it('a near miss is published with what the scan knew, never with another show', async () => {
    const p = await start();
    await scan(p);
    expect(p.failed).toEqual([]);
    const show = showNfo(p, 'Doctor Who (1990)');
    expect(show).toMatchObject({ title: 'Doctor Who', year: '1990' });
    expect(show).not.toHaveProperty('uniqueid');
    expect(show).not.toHaveProperty('plot');
    expect(listFiles(path.join(p.tv, 'Doctor Who (1990)')).filter((f) => /\.(jpg|png)$/.test(f))).toEqual([]);
    expect(episodes(p, 'Doctor Who (1990)/Season 01/Doctor.Who.S01E01.mkv')[0]).toMatchObject({
      title: 'Episode 1',
      season: '1',
      episode: '1',
    });
    // TMDB offered three Doctor Who shows; none of them was read.
    expect(server!.requests.filter((r) => /^\/3\/tv\/(57243|121|239770)(\/|$)/.test(r.path))).toEqual([]);
  });

  it('a refused credential fails every enrichment at once, after one request, and publishes nothing', async () => {
    const p = await start('0123456789abcdef0123456789abcdef');
    await scan(p);
    expect(p.failed.map((f) => [f.job.type, f.job.attempts, (f.error as { code?: string }).code])).toEqual([
      ['enrich-tvshow', 1, 'PROVIDER_CREDENTIALS'],
      ['enrich-tvshow', 1, 'PROVIDER_CREDENTIALS'],
      ['enrich-tvshow', 1, 'PROVIDER_CREDENTIALS'],
    ]);
    expect(server!.requests.filter((r) => r.path.startsWith('/3/'))).toHaveLength(1);
    expect(p.done('publish-tvshow')).toEqual([]);
    expect(existsSync(path.join(p.tv, BB, 'tvshow.nfo'))).toBe(false);
  });
});
