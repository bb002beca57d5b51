import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { listAssetCandidates, selectAsset } from '../../../src/media/handlers/assetSelection.js';
import { imageSize } from '../support/images.js';
import { makeProviderMovies } from '../support/providerServer.js';
import { folderOf, startPipeline, type Pipeline } from './harness.js';

let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

const ONE = makeProviderMovies(1);
const FOLDER = folderOf(ONE[0]!);
const STEM = 'Movie.001.1990.1080p';

function filesOf(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

async function scan(p: Pipeline): Promise<void> {
  await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library, manual: true }, manual: true });
}

describe('phase settings change what each phase does, never whether it runs', () => {
  it('fetch assets OFF + publish assets OFF (+ actors OFF): the NFO only, no artwork', async () => {
    pipeline = await startPipeline({ movies: ONE });
    await pipeline.phases.set('enrichment.fetchProviderAssets', false);
    await pipeline.phases.setPhase('publish', { assets: false, actors: false });
    await scan(pipeline);
    await pipeline.idle();
    const folder = path.join(pipeline.library, FOLDER);
    expect(filesOf(folder)).toEqual([`${STEM}.mkv`, `${STEM}.nfo`]);
    expect(pipeline.media.movies.assets(pipeline.media.movies.list()[0]!.id)).toEqual([]);
    // Actors are always fetched: the NFO lists them even with photos off.
    const nfo = new XMLParser().parse(readFileSync(path.join(folder, `${STEM}.nfo`), 'utf8')) as {
      movie: { actor: { name: string }[] };
    };
    expect(nfo.movie.actor.map((a) => a.name)).toEqual(['Lead Actor 001', 'Second Actor 001']);
    // No artwork request reached the image host.
    expect(pipeline.provider.requests.filter((r) => r.path.startsWith('/t/p/'))).toEqual([]);
    // Every phase still ran, through to the players.
    expect(pipeline.done('notify-kodi')).toHaveLength(1);
  });

  it('publish assets OFF alone still fetches candidates and writes actor photos', async () => {
    pipeline = await startPipeline({ movies: ONE });
    await pipeline.phases.set('publish.assets', false);
    await scan(pipeline);
    await pipeline.idle();
    const files = filesOf(path.join(pipeline.library, FOLDER));
    expect(files.filter((f) => /-(poster|fanart|clearlogo)\./.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith('.actors'))).toHaveLength(2);
    expect(pipeline.media.movies.assets(pipeline.media.movies.list()[0]!.id).length).toBeGreaterThan(0);
    // Artwork not saved beside the video is named by URL, for the player to fetch; the
    // actor photos are saved in .actors, so the NFO names no URL for them.
    const nfo = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(
      readFileSync(path.join(pipeline.library, FOLDER, `${STEM}.nfo`), 'utf8'),
    ) as {
      movie: {
        thumb: { '@aspect': string; '#text': string }[];
        fanart: { thumb: string };
        actor: { thumb?: string }[];
        ratings: { rating: { '@name': string } };
      };
    };
    expect(nfo.movie.thumb.map((t) => t['@aspect']).sort()).toEqual(['clearlogo', 'poster']);
    expect(nfo.movie.thumb.every((t) => /^http:\/\/127\.0\.0\.1:\d+\/t\/p\/original\//.test(t['#text']))).toBe(true);
    expect(nfo.movie.fanart.thumb).toMatch(/^http:\/\//);
    expect(nfo.movie.actor.map((a) => a.thumb)).toEqual([undefined, undefined]);
    // The rating is named after the provider that supplied it (TMDB: Kodi's "themoviedb").
    expect(nfo.movie.ratings.rating['@name']).toBe('themoviedb');
  });

  it("publish actors OFF: no photos saved, so the NFO names the actors' photo URLs", async () => {
    pipeline = await startPipeline({ movies: ONE });
    await pipeline.phases.set('publish.actors', false);
    await scan(pipeline);
    await pipeline.idle();
    const nfo = new XMLParser().parse(readFileSync(path.join(pipeline.library, FOLDER, `${STEM}.nfo`), 'utf8')) as {
      movie: { actor: { thumb?: string }[]; thumb?: unknown };
    };
    expect(nfo.movie.actor.every((a) => /^http:\/\//.test(a.thumb ?? ''))).toBe(true);
    expect(nfo.movie.thumb).toBeUndefined();
  });

  it('auto-select OFF: candidates are stored, no artwork is published until selectAsset', async () => {
    pipeline = await startPipeline({ movies: ONE });
    await pipeline.phases.set('enrichment.autoSelectAssets', false);
    await scan(pipeline);
    await pipeline.idle();
    const { movies } = pipeline.media;
    const movie = movies.list()[0]!;
    const posters = listAssetCandidates(movies, movie.id, 'poster');
    expect(posters).toHaveLength(3);
    expect(movies.selectedAssets(movie.id)).toEqual([]);
    const folder = path.join(pipeline.library, FOLDER);
    expect(filesOf(folder).filter((f) => /-(poster|fanart|clearlogo)\./.test(f))).toEqual([]);
    expect(existsSync(path.join(folder, `${STEM}.nfo`))).toBe(true);

    // A person picks the German 2000x3000 poster: it is published, at HIGH priority.
    const german = posters.find((p) => p.language === 'de')!;
    const { publishJobId } = await selectAsset(movies, movie.id, german.id, { queue: pipeline.queue });
    expect(publishJobId).not.toBeNull();
    await pipeline.idle();
    const published = pipeline.done('publish').find((o) => o.job.id === publishJobId)!;
    expect(published.job.manual).toBe(true);
    expect(imageSize(readFileSync(path.join(folder, `${STEM}-poster.jpg`)))).toMatchObject({ width: 2000, height: 3000 });
    expect(existsSync(path.join(folder, `${STEM}-fanart.jpg`))).toBe(false);

    // A re-enrichment keeps the manual choice while auto-select stays off.
    await pipeline.queue.addJob({ type: 'enrich-metadata', payload: { entityType: 'movie', entityId: movie.id } });
    await pipeline.idle();
    expect(movies.selectedAssets(movie.id).map((a) => a.url)).toEqual([german.url]);
  });

  it('notify OFF: the notify jobs complete without calling any player', async () => {
    pipeline = await startPipeline({ movies: ONE });
    await pipeline.phases.set('playerSync.notify', false);
    await scan(pipeline);
    await pipeline.idle();
    for (const type of ['notify-kodi', 'notify-jellyfin', 'notify-plex']) {
      expect(pipeline.done(type).map((o) => o.result)).toEqual([expect.objectContaining({ notified: false })]);
    }
    expect(pipeline.players.requests).toEqual([]);
  });

  it('cleanFirst ON: Kodi is asked to Clean before it Scans', async () => {
    pipeline = await startPipeline({ movies: ONE });
    await pipeline.phases.set('playerSync.cleanFirst', true);
    await scan(pipeline);
    await pipeline.idle();
    const methods = pipeline.players.kodi.rpcCalls().map((c) => c.method);
    expect(methods.filter((m) => m === 'VideoLibrary.Clean' || m === 'VideoLibrary.Scan')).toEqual([
      'VideoLibrary.Clean',
      'VideoLibrary.Scan',
    ]);
    // Kodi counts a clean as a scan: the sync waited for it before scanning (no toggle).
    expect(pipeline.players.kodi.library.lostScans).toBe(0);
    expect(pipeline.players.kodi.library.list()).toHaveLength(1);
  });

  it('delaySeconds: the notify jobs are scheduled that much later (run time, not a sleep)', async () => {
    pipeline = await startPipeline({ movies: ONE });
    await pipeline.phases.set('playerSync.delaySeconds', 3600);
    const before = Date.now();
    await scan(pipeline);
    await pipeline.until(() => pipeline!.done('publish').length === 1);
    const after = Date.now();
    const delayed = await pipeline.queue.listJobs({ state: 'delayed' });
    expect(delayed.map((j) => j.type).sort()).toEqual(['notify-jellyfin', 'notify-kodi', 'notify-plex']);
    for (const job of delayed) {
      expect(job.runAt).toBeGreaterThanOrEqual(before + 3_600_000);
      expect(job.runAt).toBeLessThanOrEqual(after + 3_600_000);
    }
    // The publish job itself did not wait: it completed and nobody was called.
    expect(pipeline.players.requests).toEqual([]);
    expect((await pipeline.queue.getStats()).delayed).toBe(3);
  });

  it('only the configured players are notified', async () => {
    pipeline = await startPipeline({ movies: ONE, players: (p) => [p.plex.config] });
    await scan(pipeline);
    await pipeline.idle();
    expect(pipeline.done('notify-plex')).toHaveLength(1);
    expect(pipeline.done('notify-kodi')).toHaveLength(0);
    expect(new Set(pipeline.players.requests.map((r) => r.kind))).toEqual(new Set(['plex']));
  });

  it('each player is sent the library path as it sees it (its pathMap)', async () => {
    pipeline = await startPipeline({
      movies: ONE,
      players: (p) => [
        {
          ...p.kodi.config,
          pathMap: [
            { from: '/', to: '/wrong' },
            { from: '__LIBRARY__', to: 'smb://nas/movies' },
          ],
        },
        { ...p.plex.config, pathMap: [{ from: '__LIBRARY__', to: '/data/movies' }] },
      ],
    });
    // The library path is only known once the pipeline exists: the harness maps placeholders.
    pipeline.players.kodi.library.views.push({ kodi: 'smb://nas/movies/', disk: `${pipeline.library}/` });
    await scan(pipeline);
    await pipeline.idle();
    const scans = pipeline.players.kodi.rpcCalls().filter((c) => c.method === 'VideoLibrary.Scan');
    expect(scans.map((c) => c.params)).toEqual([expect.objectContaining({ directory: 'smb://nas/movies/' })]);
    expect(pipeline.players.kodi.library.list().map((m) => m.file)).toEqual([
      `smb://nas/movies/${folderOf(ONE[0]!)}/${path.basename(pipeline.media.movies.list()[0]!.videoFile)}`,
    ]);
    expect(pipeline.players.plex.requests.map((r) => r.query['path'])).toEqual([`/data/movies/${folderOf(ONE[0]!)}`]);
  });

  it('language, limits and minResolution decide which candidates are kept and selected', async () => {
    pipeline = await startPipeline({ movies: ONE });
    await pipeline.phases.setPhase('enrichment', { language: 'de', maxPoster: 2, maxLogo: 0, minResolution: 1080 });
    await scan(pipeline);
    await pipeline.idle();
    const { movies } = pipeline.media;
    const id = movies.list()[0]!.id;
    const posters = movies.assets(id, 'poster');
    // 500x750 is below 1080; German first, then English; at most two.
    expect(posters.map((p) => [p.language, p.width, p.height, p.selected])).toEqual([
      ['de', 2000, 3000, true],
      ['en', 1000, 1500, false],
    ]);
    expect(movies.assets(id, 'fanart').map((a) => a.height)).toEqual([1080]);
    expect(movies.assets(id, 'clearlogo')).toEqual([]);
    const folder = path.join(pipeline.library, FOLDER);
    expect(imageSize(readFileSync(path.join(folder, `${STEM}-poster.jpg`)))).toMatchObject({ width: 2000, height: 3000 });
    expect(existsSync(path.join(folder, `${STEM}-clearlogo.png`))).toBe(false);
    // The provider was asked in the configured language.
    expect(pipeline.provider.requests.find((r) => r.path === '/3/search/movie')?.query['language']).toBe('de');
  });
});
