/**
 * Library kinds keep each pipeline out of the other's library: a movie scan or publish
 * never writes into a `tvshows` library, a TV scan or publish never into a `movies` one,
 * and a movie scan of any folder skips episode-named files with a reason.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScanMovieResult } from '../../../src/media/handlers/scanMovie.js';
import type { ScanTvResult } from '../../../src/media/handlers/scanTv.js';
import { addVideo, listFiles, startTvPipeline, writeTvLibrary, type TvPipeline } from './harness.js';

let pipeline: TvPipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

describe('library kinds', () => {
  it('a movie scan of a tvshows library fails at once and writes nothing there', async () => {
    pipeline = await startTvPipeline();
    const p = pipeline;
    const before = listFiles(p.tv);
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.tv } });
    await p.queue.addJob({ type: 'scan-movie', payload: { moviePath: path.join(p.tv, 'Alpha Show (2010)') } });
    await p.idle();
    expect(p.failed.map((f) => f.job.type)).toEqual(['scan-movie', 'scan-movie']);
    for (const f of p.failed) expect(f.error.message).toMatch(/is in the tvshows library .*scan it with scan-tv/);
    // Refused outright, not retried: a setting cannot change by waiting.
    expect(p.failed.every((f) => f.job.attempts === 1)).toBe(true);
    expect(listFiles(p.tv)).toEqual(before);
    expect(p.media.movies.count()).toBe(0);
  });

  it('a TV scan of a movies library fails at once and writes nothing there', async () => {
    pipeline = await startTvPipeline({ library: false });
    const p = pipeline;
    // Even episode-named files in a movies library are not the TV pipeline's.
    writeTvLibrary(p.movies);
    const before = listFiles(p.movies);
    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.movies } });
    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.movies, paths: [path.join(p.movies, 'Alpha Show (2010)')] } });
    await p.idle();
    expect(p.failed.map((f) => f.job.type)).toEqual(['scan-tv', 'scan-tv']);
    for (const f of p.failed) expect(f.error.message).toMatch(/is in the movies library .*scan it with scan-movie/);
    expect(listFiles(p.movies)).toEqual(before);
    expect(p.media.tv.counts().shows).toBe(0);
  });

  it('without configured kinds, a movie scan of a TV folder skips every episode file with a reason and writes no NFO', async () => {
    pipeline = await startTvPipeline({ libraries: () => [] });
    const p = pipeline;
    const before = listFiles(p.tv);
    // Breaking Bad as the issue found it, beside the other shows' 30 files.
    addVideo(path.join(p.tv, 'Breaking Bad (2008)', 'Season 01', 'Breaking.Bad.S01E01.1080p.mkv'));
    addVideo(path.join(p.tv, 'Breaking Bad (2008)', 'Season 01', 'Breaking.Bad.1x02.1080p.mkv'));
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.tv } });
    await p.idle();
    expect(p.failed).toEqual([]);
    const scan = p.done('scan-movie')[0]!.result as ScanMovieResult;
    expect(scan.found).toBe(0);
    expect(scan.skippedBy).toEqual({ 'episode-file': 32 });
    expect(listFiles(p.tv).filter((f) => f.endsWith('.nfo'))).toEqual([]);
    expect(listFiles(p.tv)).toHaveLength(before.length + 2);
    expect(p.done('publish')).toHaveLength(0);
  });

  it('a movie library with an episode in it: the movie is published, the episode skipped', async () => {
    pipeline = await startTvPipeline({ library: false });
    const p = pipeline;
    addVideo(path.join(p.movies, 'Heat (1995)', 'Heat.1995.1080p.mkv'));
    addVideo(path.join(p.movies, 'Stray', 'Some.Show.S02E03.720p.mkv'));
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.movies } });
    await p.idle();
    expect(p.failed).toEqual([]);
    expect((p.done('scan-movie')[0]!.result as ScanMovieResult).skippedBy).toEqual({ 'episode-file': 1 });
    expect(listFiles(p.movies).filter((f) => f.endsWith('.nfo'))).toEqual([path.join('Heat (1995)', 'Heat.1995.1080p.nfo')]);
    expect(readFileSync(path.join(p.movies, 'Heat (1995)', 'Heat.1995.1080p.nfo'), 'utf8')).toMatch(/<movie>/);
  });

  it('a movie stored before its library became tvshows is never published there, and the TV scan forgets it', async () => {
    // First the folder is a movies library (as every library was before kinds).
    pipeline = await startTvPipeline({ library: false, libraries: ({ tv }) => [tv] });
    let p = pipeline;
    const video = addVideo(path.join(p.tv, 'Lost (2004)', 'Lost.2004.mkv'));
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.tv } });
    await p.idle();
    expect(p.media.movies.count()).toBe(1);
    const movieId = p.media.movies.list()[0]!.id;
    const nfo = video.replace(/\.mkv$/, '.nfo');
    writeFileSync(nfo, 'a file nobody may overwrite');
    const dbDir = p.dir;
    // The same database, now with the folder declared as a tvshows library.
    await p.queue.stop({ timeoutMs: 5000 });
    p.media.close();
    await p.phases.close();
    await p.players.close();
    pipeline = await reopen(dbDir);
    p = pipeline;
    await p.queue.addJob({ type: 'publish', payload: { entityType: 'movie', entityId: movieId, libraryPath: p.tv } });
    await p.idle();
    expect(p.failed.map((f) => f.error.message)).toEqual([expect.stringMatching(/publish: .* is in the tvshows library/)]);
    expect(readFileSync(nfo, 'utf8')).toBe('a file nobody may overwrite');

    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.tv } });
    await p.idle();
    const scan = p.done('scan-tv')[0]!.result as ScanTvResult;
    expect(scan.forgottenMovies).toBe(1);
    expect(scan.skippedBy).toEqual({ 'not-an-episode': 1 });
    expect(p.media.movies.count()).toBe(0);
  });

  it('publish-tvshow refuses a show whose library is now a movies library', async () => {
    pipeline = await startTvPipeline();
    let p = pipeline;
    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.tv } });
    await p.idle();
    const showId = p.media.tv.listShows()[0]!.id;
    const tvshowNfo = path.join(p.tv, 'Alpha Show (2010)', 'tvshow.nfo');
    writeFileSync(tvshowNfo, 'kept');
    const dbDir = p.dir;
    await p.queue.stop({ timeoutMs: 5000 });
    p.media.close();
    await p.phases.close();
    await p.players.close();
    pipeline = await reopen(dbDir, ({ tv }) => [tv]);
    p = pipeline;
    await p.queue.addJob({ type: 'publish-tvshow', payload: { entityType: 'tvshow', entityId: showId, libraryPath: p.tv } });
    await p.idle();
    expect(p.failed.map((f) => f.error.message)).toEqual([expect.stringMatching(/publish-tvshow: .* is in the movies library/)]);
    expect(readFileSync(tvshowNfo, 'utf8')).toBe('kept');
  });
});

/** A pipeline on the same folder and database as a closed one, with other library kinds. */
async function reopen(
  dir: string,
  libraries?: (dirs: { tv: string; movies: string }) => (string | { path: string; kind: 'movies' | 'tvshows' })[],
) {
  return startTvPipeline({ library: false, reuseDir: dir, ...(libraries ? { libraries } : {}) });
}
