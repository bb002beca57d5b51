import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { XMLParser } from 'fast-xml-parser';
import { pino, type Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { JOB_PRIORITY } from '../../../src/types.js';
import { imageSize } from '../support/images.js';
import { makeProviderMovies } from '../support/providerServer.js';
import { folderOf, startPipeline, type Pipeline } from './harness.js';

let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false });
function readNfo(file: string): Record<string, unknown> {
  const doc = parser.parse(readFileSync(file, 'utf8')) as { movie: Record<string, unknown> };
  return doc.movie;
}

/** A pino logger that keeps its records. */
function recordingLogger(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const logger: Logger = pino(
    { level: 'info' },
    { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, records };
}

describe('media pipeline end to end', () => {
  it.each([
    ['three players', undefined, 3, 'publish: done, players to sync'],
    ['no player', () => [], 0, 'publish: done, no player configured'],
  ] as const)('the publish log tells how many notify jobs follow (%s)', async (_name, players, notifyJobs, msg) => {
    const { logger, records } = recordingLogger();
    pipeline = await startPipeline({ movies: makeProviderMovies(1), logger, ...(players ? { players } : {}) });
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: pipeline.library, manual: true }, manual: true });
    await pipeline.idle();
    const done = records.filter((r) => typeof r.msg === 'string' && r.msg.startsWith('publish: done'));
    expect(done.map((r) => [r.msg, r.notifyJobs])).toEqual([[msg, notifyJobs]]);
  });

  it('runs a manual scan of a 3-movie library through enrich, publish and notify', async () => {
    pipeline = await startPipeline();
    const { queue, library, media, players } = pipeline;
    await queue.addJob({ type: 'scan-movie', payload: { libraryPath: library, manual: true }, manual: true });
    await pipeline.idle();

    expect(pipeline.failed).toEqual([]);
    expect(pipeline.done('scan-movie')).toHaveLength(1);
    expect(pipeline.done('enrich-metadata')).toHaveLength(3);
    expect(pipeline.done('publish')).toHaveLength(3);
    // Manual work chains at HIGH priority, all the way down.
    for (const o of [...pipeline.done('enrich-metadata'), ...pipeline.done('publish'), ...pipeline.done('notify-kodi')]) {
      expect(o.job.priority).toBe(JOB_PRIORITY.HIGH);
      expect(o.job.manual).toBe(true);
    }

    // The movies table, read straight from the file.
    const db = new Database(pipeline.dbFile, { readonly: true });
    const rows = db.prepare('SELECT * FROM movies ORDER BY title').all() as Record<string, unknown>[];
    db.close();
    expect(rows.map((r) => [r['title'], r['year'], r['tmdb_id'], r['imdb_id']])).toEqual([
      ['Movie 001', 1990, '1', 'tt0000001'],
      ['Movie 002', 1991, '2', 'tt0000002'],
      ['Movie 003', 1992, '3', 'tt0000003'],
    ]);
    for (const r of rows) {
      expect(r['library_path']).toBe(library);
      expect(r['enriched_at']).toEqual(expect.any(Number));
      expect(r['published_at']).toEqual(expect.any(Number));
      expect(r['file_size']).toBeGreaterThan(0);
    }

    // NFO, parsed back.
    const folder = path.join(library, 'Movie 001 (1990)');
    const stem = 'Movie.001.1990.1080p';
    const nfo = readNfo(path.join(folder, `${stem}.nfo`));
    expect(nfo['title']).toBe('Movie 001');
    expect(nfo['year']).toBe('1990');
    expect(nfo['plot']).toBe('Plot of movie 001. It goes on.');
    expect(nfo['runtime']).toBe('90');
    expect(nfo['genre']).toBe('Drama');
    const ids = ([] as { '#text': string; '@type': string }[]).concat(nfo['uniqueid'] as never);
    expect(ids.find((u) => u['@type'] === 'tmdb')?.['#text']).toBe('1');
    const actors = nfo['actor'] as { name: string; role: string; order: string; thumb?: string }[];
    // The photos are saved in .actors (Kodi reads them there): no URL for Kodi to fetch.
    expect(actors.map((a) => a.thumb)).toEqual([undefined, undefined]);
    expect(nfo['thumb']).toBeUndefined();
    expect(nfo['fanart']).toBeUndefined();
    expect(actors.map((a) => [a.name, a.role, a.order])).toEqual([
      ['Lead Actor 001', 'Hero', '0'],
      ['Second Actor 001', 'Villain', '1'],
    ]);

    // Artwork: the best of each kind (English first, then pixels), in Kodi's names.
    expect(imageSize(readFileSync(path.join(folder, `${stem}-poster.jpg`)))).toEqual({ format: 'jpeg', width: 1000, height: 1500 });
    expect(imageSize(readFileSync(path.join(folder, `${stem}-fanart.jpg`)))).toEqual({ format: 'jpeg', width: 1920, height: 1080 });
    expect(imageSize(readFileSync(path.join(folder, `${stem}-clearlogo.png`)))).toEqual({ format: 'png', width: 800, height: 310 });
    expect(readdirSync(path.join(folder, '.actors')).sort()).toEqual(['Lead_Actor_001.jpg', 'Second_Actor_001.jpg']);
    expect(existsSync(path.join(folder, `${stem}-trailer.mp4`))).toBe(false);

    // Candidates: at most the configured counts, one selected per kind.
    const movie = media.movies.getByVideoFile(path.join(folder, `${stem}.mkv`))!;
    const assets = media.movies.assets(movie.id);
    expect(assets.filter((a) => a.kind === 'poster')).toHaveLength(3);
    expect(assets.filter((a) => a.kind === 'fanart')).toHaveLength(2);
    expect(
      media.movies
        .selectedAssets(movie.id)
        .map((a) => a.kind)
        .sort(),
    ).toEqual(['clearlogo', 'fanart', 'poster', 'trailer']);

    // Players: Kodi holds the three movies as the NFOs say; Jellyfin and Plex were told
    // about each movie folder, with their own protocol.
    expect(
      players.kodi.library
        .list()
        .map((m) => m.title)
        .sort(),
    ).toEqual(['Movie 001', 'Movie 002', 'Movie 003']);
    const scans = players.kodi.rpcCalls().filter((c) => c.method === 'VideoLibrary.Scan');
    expect(scans.length).toBeGreaterThanOrEqual(1);
    for (const call of scans) expect(call.params).toEqual({ directory: `${library}/`, showdialogs: false });
    const kodiResults = pipeline
      .done('notify-kodi')
      .map((o) => o.result as { added: number; missing: string[]; confirmation: string | null });
    expect(kodiResults.reduce((n, r) => n + r.added, 0)).toBe(3);
    expect(kodiResults.every((r) => r.missing.length === 0)).toBe(true);
    const jellyfin = players.jellyfin.requests.filter((r) => r.status === 204);
    expect(jellyfin.length).toBeGreaterThanOrEqual(1);
    expect(jellyfin[0]).toMatchObject({ method: 'POST', path: '/Library/Media/Updated' });
    expect(jellyfin[0]?.headers.authorization).toBe('MediaBrowser Token="jellyfin-key"');
    const told = jellyfin.flatMap((r) => (r.body as { Updates: { Path: string; UpdateType: string }[] }).Updates);
    expect(told.map((u) => [path.basename(u.Path), u.UpdateType]).sort()).toEqual([
      ['Movie 001 (1990)', 'Created'],
      ['Movie 002 (1991)', 'Created'],
      ['Movie 003 (1992)', 'Created'],
    ]);
    const plex = players.plex.requests.filter((r) => r.status === 200);
    expect(plex.map((r) => r.query['path']).sort()).toEqual(
      ['Movie 001 (1990)', 'Movie 002 (1991)', 'Movie 003 (1992)'].map((f) => path.join(library, f)),
    );
  });

  it('re-publishing leaves every file as it was', async () => {
    pipeline = await startPipeline({ movies: makeProviderMovies(1) });
    const { queue, library, media } = pipeline;
    await queue.addJob({ type: 'scan-movie', payload: { libraryPath: library }, manual: false });
    await pipeline.idle();
    const folder = path.join(library, folderOf(makeProviderMovies(1)[0]!));
    const snapshot = () =>
      readdirSync(folder, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => {
          const file = path.join(e.parentPath, e.name);
          return [path.relative(folder, file), readFileSync(file).toString('base64')];
        })
        .sort();
    const before = snapshot();
    const [movie] = media.movies.list();
    await queue.addJob({ type: 'publish', payload: { entityType: 'movie', entityId: movie!.id, libraryPath: library } });
    await pipeline.idle();
    const again = pipeline.done('publish').at(-1)!.result as { files: { written: boolean }[]; changed: boolean; notifyJobIds: string[] };
    expect(again.files.length).toBeGreaterThan(3);
    expect(again.files.every((f) => !f.written)).toBe(true);
    // Nothing changed, and every player confirmed the movie: no player hears of it.
    expect(again).toMatchObject({ changed: false, notifyJobIds: [] });
    expect(snapshot()).toEqual(before);
    // Automatic work chains at NORMAL priority.
    expect(pipeline.done('enrich-metadata')[0]!.job.priority).toBe(JOB_PRIORITY.NORMAL);
  });
});

describe('player sync and concurrent publishes', () => {
  it("every publish moves the library's last publish forward, even two in one millisecond", async () => {
    pipeline = await startPipeline({ movies: makeProviderMovies(2) });
    const p = pipeline;
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library } });
    await p.idle();
    const [a, b] = p.media.movies.list();
    const at = Date.now() + 120_000;
    p.media.movies.markPublished(a!.id, at);
    expect(p.media.movies.lastPublishedAt(p.library)).toBe(at);
    p.media.movies.markPublished(b!.id, at);
    expect(p.media.movies.lastPublishedAt(p.library)).toBe(at + 1);
    p.media.movies.markPublished(a!.id, at);
    expect(p.media.movies.lastPublishedAt(p.library)).toBe(at + 2);
    expect(p.media.movies.get(b!.id)!.publishedAt).toBe(at + 1);
  });

  it('a rescan that changes a movie while it is being enriched gets a follow-up enrichment', async () => {
    let duringSearch: () => void = () => {};
    pipeline = await startPipeline({
      movies: makeProviderMovies(1),
      wrapProvider: (real) => ({
        name: real.name,
        search: async (query, signal) => {
          duringSearch();
          duringSearch = () => {};
          return real.search(query, signal);
        },
        details: (id, options, signal) => real.details(id, options, signal),
        artwork: (id, options, signal) => real.artwork(id, options, signal),
      }),
    });
    const p = pipeline;
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library } });
    await p.idle();
    const [movie] = p.media.movies.list();
    // The file is replaced (new size) while its enrichment searches.
    duringSearch = () => p.media.movies.upsertScanned({ ...movie!, fileSize: movie!.fileSize + 1 });
    await p.queue.addJob({ type: 'enrich-metadata', payload: { entityType: 'movie', entityId: movie!.id } });
    await p.idle();
    const rounds = p
      .done('enrich-metadata')
      .slice(1)
      .map((o) => o.result as { followUpJobId: string | null });
    expect(rounds).toHaveLength(2);
    expect(rounds[0]!.followUpJobId).toEqual(expect.any(String));
    expect(rounds[1]!.followUpJobId).toBeNull();
    // Each enrichment was followed by its own publish.
    expect(p.done('publish')).toHaveLength(3);
  });

  it('an id written in the folder name is used instead of a search', async () => {
    const movies = makeProviderMovies(2);
    // The folder says "Movie 001" but its {tmdb-2} names the second movie.
    pipeline = await startPipeline({ movies, folders: ['Movie 001 (1990) {tmdb-2}'] });
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: pipeline.library } });
    await pipeline.idle();
    const [movie] = pipeline.media.movies.list();
    expect(movie).toMatchObject({ title: 'Movie 001', idHints: { tmdb: '2' }, tmdbId: '2' });
    expect(movie!.metadata?.title).toBe('Movie 002');
    expect(pipeline.provider.requests.filter((r) => r.path === '/3/search/movie')).toEqual([]);
  });
});
