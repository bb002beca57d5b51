import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { makeProviderMovies, type ProviderServerMovie } from '../support/providerServer.js';
import { addVideo, folderOf, startPipeline, type Pipeline } from './harness.js';

let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

const ONE = makeProviderMovies(1);

describe('failures are retried, then reported clearly', () => {
  it('a provider that fails twice and then answers is retried to success', async () => {
    pipeline = await startPipeline({ movies: ONE });
    pipeline.provider.failNext(2, { match: '/3/search/movie' });
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: pipeline.library } });
    await pipeline.idle();
    expect(pipeline.failed).toEqual([]);
    const retried = pipeline.retries.filter((r) => r.job.type === 'enrich-metadata');
    expect(retried).toHaveLength(2);
    expect(retried[0]!.error.message).toMatch(/503/);
    const [enriched] = pipeline.done('enrich-metadata');
    expect(enriched!.job.attempts).toBe(3);
    expect(pipeline.done('publish')).toHaveLength(1);
    expect(pipeline.media.movies.list()[0]!.enrichedAt).not.toBeNull();
  });

  it('a provider that always fails ends in job:failed with a clear error, and nothing is published', async () => {
    pipeline = await startPipeline({ movies: ONE, maxRetries: 2 });
    pipeline.provider.failAlways({ match: '/3/' });
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: pipeline.library } });
    await pipeline.idle();
    expect(pipeline.failed).toHaveLength(1);
    const [failure] = pipeline.failed;
    expect(failure!.job.type).toBe('enrich-metadata');
    expect(failure!.job.attempts).toBe(3);
    expect(failure!.error.message).toMatch(/tmdb/);
    expect(failure!.error.message).toMatch(/HTTP 503/);
    expect(pipeline.done('publish')).toEqual([]);
    expect(pipeline.media.movies.list()[0]!.enrichedAt).toBeNull();
  });

  it('a player that refuses fails its notify job, which is retried', async () => {
    pipeline = await startPipeline({ movies: ONE, players: (p) => [p.kodi.config] });
    pipeline.players.kodi.failNext(1, 500);
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: pipeline.library } });
    await pipeline.idle();
    expect(pipeline.retries.map((r) => r.job.type)).toEqual(['notify-kodi']);
    expect(pipeline.retries[0]!.error.message).toMatch(/player "kodi"/);
    // The retry did the whole sync: one scan, and Kodi holds the movie.
    expect(pipeline.players.kodi.rpcCalls().filter((c) => c.method === 'VideoLibrary.Scan')).toHaveLength(1);
    expect(pipeline.players.kodi.library.list()).toHaveLength(1);
  });
});

describe('bad input gets a clear error', () => {
  it('a library path that does not exist, or is a file, fails the scan job and removes nothing', async () => {
    pipeline = await startPipeline({ movies: ONE });
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: pipeline.library } });
    await pipeline.idle();
    expect(pipeline.media.movies.count()).toBe(1);

    const missing = path.join(pipeline.library, 'gone');
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: missing }, maxRetries: 0 });
    const file = path.join(pipeline.library, 'notes.txt');
    writeFileSync(file, 'not a folder');
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: file }, maxRetries: 0 });
    const elsewhere = path.join(pipeline.dir, 'elsewhere');
    mkdirSync(elsewhere);
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: elsewhere }, maxRetries: 0 });
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { moviePath: path.join(pipeline.library, 'Nope (2000)') }, maxRetries: 0 });
    await pipeline.idle();

    const messages = pipeline.failed.map((f) => f.error.message);
    expect(messages).toHaveLength(4);
    expect(messages).toContainEqual(expect.stringMatching(new RegExp(`Library path ".*gone" does not exist`)));
    expect(messages).toContainEqual(expect.stringMatching(/notes\.txt" is a file, not a folder/));
    expect(messages).toContainEqual(expect.stringMatching(/elsewhere" is not one of the configured libraries/));
    expect(messages).toContainEqual(expect.stringMatching(/Nope \(2000\)" does not exist and no movie is stored there/));
    expect(pipeline.media.movies.count()).toBe(1);
  });

  it('an empty library folder (an unmounted disk) does not empty the table', async () => {
    pipeline = await startPipeline({ movies: makeProviderMovies(2) });
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: pipeline.library } });
    await pipeline.idle();
    for (const entry of readdirSync(pipeline.library)) rmSync(path.join(pipeline.library, entry), { recursive: true });
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: pipeline.library }, maxRetries: 0 });
    await pipeline.idle();
    expect(pipeline.failed.map((f) => f.error.message)).toEqual([
      expect.stringMatching(/is empty but 2 movies are stored for it: is the disk mounted\? Nothing was removed/),
    ]);
    expect(pipeline.media.movies.count()).toBe(2);
  });

  it('a moviePath naming a library root that is gone does not delete the library', async () => {
    pipeline = await startPipeline({ movies: makeProviderMovies(2) });
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: pipeline.library } });
    await pipeline.idle();
    rmSync(pipeline.library, { recursive: true });
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { moviePath: pipeline.library }, maxRetries: 0 });
    await pipeline.idle();
    expect(pipeline.failed.map((f) => f.error.message)).toEqual([expect.stringMatching(/Library path ".*library" does not exist/)]);
    expect(pipeline.media.movies.count()).toBe(2);
  });

  it('payloads are validated before anything is stored', async () => {
    pipeline = await startPipeline({ movies: ONE });
    await expect(pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: 'relative/path' } })).rejects.toThrow(/absolute path/);
    await expect(pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: '/a', moviePath: '/b' } })).rejects.toThrow(
      ValidationError,
    );
    await expect(
      // @ts-expect-error entityId must be a number
      pipeline.queue.addJob({ type: 'enrich-metadata', payload: { entityType: 'movie', entityId: 'x' } }),
    ).rejects.toThrow(/entityId/);
    expect((await pipeline.queue.getStats()).pending).toBe(0);
  });

  it('a movie whose files were removed is dropped by the next scan', async () => {
    pipeline = await startPipeline({ movies: makeProviderMovies(2) });
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: pipeline.library } });
    await pipeline.idle();
    expect(pipeline.media.movies.count()).toBe(2);
    const gone = path.join(pipeline.library, folderOf(makeProviderMovies(2)[1]!));
    for (const f of readdirSync(gone)) if (f.endsWith('.mkv')) rmSync(path.join(gone, f));
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: pipeline.library } });
    await pipeline.idle();
    expect(pipeline.media.movies.list().map((m) => m.title)).toEqual(['Movie 001']);
    // The unchanged movie was not enriched again.
    expect(pipeline.done('enrich-metadata')).toHaveLength(2);
  });
});

describe('hostile names', () => {
  it('a title with XML/HTML characters is escaped in the NFO and reads back exactly', async () => {
    // No "/": a folder name cannot hold one, and the scan's title is what the provider is asked for.
    const title = `<script>alert("x")<\\script> & Tom's ]]> <b onclick='y'>Bold &amp; "Quoted"`;
    const movie: ProviderServerMovie = { ...makeProviderMovies(1)[0]!, title, originalTitle: title, plot: 'A & B < C' };
    pipeline = await startPipeline({ movies: [movie], folders: [`${title} (1990)`] });
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: pipeline.library } });
    await pipeline.idle();
    expect(pipeline.failed).toEqual([]);
    const [stored] = pipeline.media.movies.list();
    const nfoFile = stored!.videoFile.replace(/\.mkv$/, '.nfo');
    const xml = readFileSync(nfoFile, 'utf8');
    expect(xml).not.toContain('<script>');
    const parsed = new XMLParser({ processEntities: true, htmlEntities: false }).parse(xml) as { movie: { title: string; plot: string } };
    expect(parsed.movie.title).toBe(title);
    expect(parsed.movie.plot).toBe('A & B < C');
  });

  it('a stored folder with "../" cannot make publish write outside the library', async () => {
    pipeline = await startPipeline({ movies: ONE });
    const outside = path.join(pipeline.dir, 'outside', 'Evil (2000)');
    mkdirSync(outside, { recursive: true });
    // A row as a buggy importer or a crafted webhook might leave it.
    const { id } = pipeline.media.movies.upsertScanned({
      libraryPath: pipeline.library,
      path: `${pipeline.library}/../outside/Evil (2000)`,
      videoFile: `${pipeline.library}/../outside/Evil (2000)/Evil.mkv`,
      title: 'Evil',
      year: 2000,
      fileSize: 1,
      mtime: 1,
    });
    await pipeline.queue.addJob({
      type: 'publish',
      payload: { entityType: 'movie', entityId: id, libraryPath: pipeline.library },
      maxRetries: 0,
    });
    // And a moviePath that climbs out of the library is refused by the scan.
    await pipeline.queue.addJob({
      type: 'scan-movie',
      payload: { moviePath: `${pipeline.library}/../outside/Evil (2000)` },
      maxRetries: 0,
    });
    await pipeline.idle();
    expect(pipeline.failed.map((f) => f.job.type).sort()).toEqual(['publish', 'scan-movie']);
    const publishError = pipeline.failed.find((f) => f.job.type === 'publish')!.error;
    expect(publishError.message).toMatch(/outside the library/);
    expect(pipeline.failed.find((f) => f.job.type === 'scan-movie')!.error.message).toMatch(/not inside any configured library/);
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(path.join(pipeline.dir, 'outside', 'Evil (2000)', 'Evil.nfo'))).toBe(false);
  });

  it('a hostile actor name cannot leave the .actors folder', async () => {
    const movie: ProviderServerMovie = {
      ...makeProviderMovies(1)[0]!,
      cast: [{ name: '../../../escaped', role: 'x', photo: { width: 300, height: 450 } }],
    };
    pipeline = await startPipeline({ movies: [movie] });
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: pipeline.library } });
    await pipeline.idle();
    expect(pipeline.failed).toEqual([]);
    const folder = path.join(pipeline.library, folderOf(movie));
    expect(readdirSync(path.join(folder, '.actors'))).toHaveLength(1);
    expect(readdirSync(pipeline.dir).sort()).toEqual(
      ['library', 'phaseq.db', 'phaseq.db-shm', 'phaseq.db-wal'].filter((f) => existsSync(path.join(pipeline!.dir, f))),
    );
    expect(existsSync(path.join(pipeline.dir, 'escaped.jpg'))).toBe(false);
  });

  it('a moviePath scan refreshes one movie', async () => {
    pipeline = await startPipeline({ movies: makeProviderMovies(2) });
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: pipeline.library } });
    await pipeline.idle();
    const video = addVideo(pipeline.library, folderOf(makeProviderMovies(2)[0]!));
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { moviePath: video, manual: true }, manual: true });
    await pipeline.idle();
    const last = pipeline.done('scan-movie').at(-1)!.result as { found: number; enqueued: number };
    expect(last).toMatchObject({ found: 1, enqueued: 1 });
    expect(pipeline.done('enrich-metadata')).toHaveLength(3);
  });
});
