/**
 * Changes, deletions, renames and path mapping, against a real Kodi. One Kodi and one
 * pipeline for the file; each test starts from the state the previous one left, as a
 * user's library would. Two sources: one Kodi sees at the library's own path, one it sees
 * through another path (a symlinked folder standing in for a network share), synced with
 * a `pathMap`.
 *
 * "Within 30 s" (the bound) is checked as a deadline on what Kodi lists; the
 * stronger check is that when the sync job completed, Kodi already listed it.
 */
import { renameSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { NotifyPlayerResult } from '../../src/media/handlers/notifyPlayer.js';
import { ensureMediaFixtures } from '../support/kodi/fixtures.js';
import { startKodi, type KodiInstance } from '../support/kodi/kodi.js';
import {
  kodiPlayer,
  makeCatalogueLibrary,
  startMediaPipeline,
  type CatalogueLibrary,
  type MediaPipeline,
} from '../support/kodi/mediaPipeline.js';
import { kodiMovies, type KodiMovie } from '../support/kodi/rpc.js';
import { makeTempDir, waitFor } from '../support/tmp.js';

const fixtures = ensureMediaFixtures(inject('kodiFixtures'));
const temp = makeTempDir('phaseq-kodi-changes-');
let kodi: KodiInstance;
let pipeline: MediaPipeline;
let lib: CatalogueLibrary;
/** The second library, which Kodi sees through `view`. */
let mapped: CatalogueLibrary;
let view: string;
const figures: string[] = [];

beforeAll(async () => {
  lib = makeCatalogueLibrary(path.join(temp.dir, 'a'), fixtures, 5, 'Change Movie');
  mapped = makeCatalogueLibrary(path.join(temp.dir, 'b'), fixtures, 3, 'Mapped Movie');
  view = path.join(temp.dir, 'share-view');
  symlinkSync(mapped.library, view);
  // One catalogue for both libraries (the provider is one).
  lib.catalogue.movies.push(...mapped.catalogue.movies.map((m, i) => ({ ...m, id: `b${i + 1}` })));
  lib.save();
  kodi = await startKodi({
    sources: [
      { path: lib.library, content: 'movies' },
      { path: view, content: 'movies' },
    ],
  });
  pipeline = await startMediaPipeline({
    dir: temp.dir,
    library: lib.library,
    catalogueFile: lib.catalogueFile,
    players: [kodiPlayer(kodi, [{ from: mapped.library, to: view }])],
    extraLibraryRoots: [mapped.library],
  });
});

afterAll(async () => {
  console.log(`[kodi figures] changes:\n${figures.join('\n')}`);
  await pipeline?.close();
  await kodi?.close();
  temp.cleanup();
});

async function scan(libraryPath: string, refresh = false): Promise<number> {
  const started = Date.now();
  await pipeline.queue.addJob({
    type: 'scan-movie',
    payload: { libraryPath, manual: true, ...(refresh ? { refresh } : {}) },
    manual: true,
  });
  await pipeline.idle();
  expect(pipeline.failed.map((f) => `${f.job.type}: ${f.error?.message}`)).toEqual([]);
  return started;
}

/** The syncs of Kodi that completed since `since`, summed; `at` is when the last one completed. */
function syncsSince(since: number): Pick<NotifyPlayerResult, 'added' | 'refreshed' | 'removed' | 'missing'> & { jobs: number; at: number } {
  const done = pipeline.completed.filter((o) => o.job.type === 'notify-kodi' && o.at >= since);
  const results = done.map((o) => o.result as NotifyPlayerResult);
  return {
    jobs: done.length,
    added: results.reduce((n, r) => n + r.added, 0),
    refreshed: results.reduce((n, r) => n + r.refreshed, 0),
    removed: results.reduce((n, r) => n + r.removed, 0),
    missing: results.flatMap((r) => r.missing),
    at: Math.max(0, ...done.map((o) => o.at)),
  };
}

async function inKodi(folder: string): Promise<KodiMovie[]> {
  return kodiMovies(kodi, `${folder}/`);
}

describe('changes reach a real Kodi', () => {
  it('starts with the first library in Kodi', async () => {
    expect(syncsSince(await scan(lib.library))).toMatchObject({ added: 5, missing: [] });
    expect((await inKodi(lib.library)).map((m) => m.title)).toEqual(lib.movies.map((m) => m.title));
  });

  it('an update: Kodi shows the new title and plot (RefreshMovie) within 30 s, and already when the sync completed', async () => {
    const movie = lib.movies[0]!;
    const entry = lib.catalogue.movies.find((m) => m.id === movie.id)!;
    // The catalogue renames the movie; its folder keeps the old name, known as an alias.
    entry.aliases = [movie.title];
    entry.title = 'Geänderter Titel';
    entry.plot = 'Eine neue Handlung, auf Deutsch.';
    lib.save();
    const started = Date.now();
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { moviePath: movie.folder, manual: true }, manual: true });
    await pipeline.idle();
    expect(pipeline.failed).toEqual([]);
    const sync = syncsSince(started);
    expect(sync).toMatchObject({ refreshed: 1, added: 0, removed: 0, missing: [] });
    // When the job completed, Kodi listed the new title: read right after, no waiting.
    const listed = (await inKodi(lib.library)).find((m) => m.file === movie.videoFile);
    expect({ title: listed?.title, plot: listed?.plot }).toEqual({ title: 'Geänderter Titel', plot: 'Eine neue Handlung, auf Deutsch.' });
    await waitFor(
      async () => (await inKodi(lib.library)).some((m) => m.title === 'Geänderter Titel'),
      30_000 - (Date.now() - started),
      'the new title',
    );
    figures.push(`  update: ${((sync.at - started) / 1000).toFixed(1)} s from the scan to the confirmed refresh`);
  });

  it('a deletion: Kodi drops the movie within 30 s, and had dropped it when the sync completed', async () => {
    const movie = lib.movies[1]!;
    rmSync(movie.folder, { recursive: true });
    const started = await scan(lib.library);
    const sync = syncsSince(started);
    expect(sync).toMatchObject({ removed: 1, added: 0, missing: [] });
    expect((await inKodi(lib.library)).map((m) => m.file)).not.toContain(movie.videoFile);
    expect(await inKodi(lib.library)).toHaveLength(4);
    figures.push(`  deletion: ${((sync.at - started) / 1000).toFixed(1)} s from the scan to the confirmed removal`);
  });

  it('a rename: the old entry is removed and the movie is scanned under its new folder', async () => {
    const movie = lib.movies[2]!;
    const renamedFolder = path.join(lib.library, `${movie.title} Remastered (${movie.year})`);
    renameSync(movie.folder, renamedFolder);
    lib.catalogue.movies.find((m) => m.id === movie.id)!.aliases = [`${movie.title} Remastered`];
    lib.save();
    const started = await scan(lib.library);
    const sync = syncsSince(started);
    expect(sync).toMatchObject({ removed: 1, added: 1, missing: [] });
    const files = (await inKodi(lib.library)).map((m) => m.file);
    expect(files).not.toContain(movie.videoFile);
    expect(files).toContain(path.join(renamedFolder, path.basename(movie.videoFile)));
    expect(files).toHaveLength(4);
    figures.push(`  rename: ${((sync.at - started) / 1000).toFixed(1)} s from the scan to the confirmed sync`);
  });

  it('a mapped library: Kodi is told and asked in its own paths, and holds the movies there', async () => {
    expect(syncsSince(await scan(mapped.library))).toMatchObject({ added: 3, missing: [] });
    const held = await inKodi(view);
    expect(held.map((m) => m.file)).toEqual(mapped.movies.map((m) => path.join(view, path.relative(mapped.library, m.videoFile))));
    expect(held.map((m) => m.title)).toEqual(mapped.movies.map((m) => m.title));
    // Nothing of it under the library's own path: Kodi never saw that one.
    expect(await inKodi(mapped.library)).toEqual([]);
    // A deletion in the mapped library is looked up in Kodi's path too.
    rmSync(mapped.movies[0]!.folder, { recursive: true });
    expect(syncsSince(await scan(mapped.library))).toMatchObject({ removed: 1, missing: [] });
    expect(await inKodi(view)).toHaveLength(2);
  });

  it('with cleanFirst on, Kodi cleans the library folder first, the sync waits for it, and a removal and an addition still land', async () => {
    await pipeline.phases.set('playerSync.cleanFirst', true);
    try {
      const gone = lib.movies[3]!;
      rmSync(gone.folder, { recursive: true });
      const added = lib.addMovie('Clean Movie', 2010);
      const sync = syncsSince(await scan(lib.library));
      expect(sync).toMatchObject({ added: 1, removed: 1, missing: [] });
      const files = (await inKodi(lib.library)).map((m) => m.file);
      expect(files).not.toContain(gone.videoFile);
      expect(files).toContain(added.videoFile);
      expect(files).toHaveLength(4);
    } finally {
      await pipeline.phases.set('playerSync.cleanFirst', false);
    }
  });

  it('a refresh re-enriches and re-publishes every movie, and Kodi reads each one again', async () => {
    for (const entry of lib.catalogue.movies) entry.tagline = `New tagline of ${entry.title}`;
    lib.save();
    const sync = syncsSince(await scan(lib.library, true));
    expect(sync).toMatchObject({ refreshed: 4, added: 0, missing: [] });
    figures.push(`  refresh of 4 movies: ${sync.jobs} sync job(s)`);
    const held = await inKodi(lib.library);
    expect(held.map((m) => m.tagline)).toEqual(held.map((m) => `New tagline of ${m.title}`));
  });
});
