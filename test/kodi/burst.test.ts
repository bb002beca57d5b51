/**
 * A burst import into a fresh Kodi, five times, each run on a fresh Kodi instance (new
 * profile, new namespace), a fresh library and a fresh database: 100 new movies are
 * scanned, enriched from a local catalogue, published and synced, and Kodi must end
 * holding all 100 with the titles, plots, artwork and actor photos of the NFOs phaseq
 * wrote. Before player sync was confirmed, this ended with 0–1 of 40 movies in Kodi.
 *
 * Prints the figures quoted in docs/phases/PLAYER_SYNC.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { NotifyPlayerResult } from '../../src/media/handlers/notifyPlayer.js';
import { ensureMediaFixtures } from '../support/kodi/fixtures.js';
import { startKodi, type KodiInstance } from '../support/kodi/kodi.js';
import { kodiPlayer, makeCatalogueLibrary, startMediaPipeline, type MediaPipeline } from '../support/kodi/mediaPipeline.js';
import { kodiArtSource, kodiMovies } from '../support/kodi/rpc.js';
import { makeTempDir } from '../support/tmp.js';

const RUNS = Number(process.env.KODI_RUNS ?? 5);
const MOVIES = 100;
const fixtures = ensureMediaFixtures(inject('kodiFixtures'));
const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false });
const figures: string[] = [];

afterAll(() => {
  console.log(`[kodi figures] burst of ${MOVIES} movies into a fresh Kodi:\n${figures.join('\n')}`);
});

function nfoOf(videoFile: string): { title: string; plot: string; originaltitle: string } {
  const file = videoFile.replace(/\.mp4$/, '.nfo');
  return (parser.parse(readFileSync(file, 'utf8')) as { movie: { title: string; plot: string; originaltitle: string } }).movie;
}

describe(`a burst of ${MOVIES} new movies into a fresh Kodi`, () => {
  for (let run = 1; run <= RUNS; run++) {
    it(`run ${run}: Kodi ends holding all ${MOVIES}, as the NFOs say, and the sync says so only then`, async () => {
      const temp = makeTempDir('phaseq-kodi-burst-');
      let kodi: KodiInstance | undefined;
      let pipeline: MediaPipeline | undefined;
      try {
        const lib = makeCatalogueLibrary(temp.dir, fixtures, MOVIES);
        kodi = await startKodi({ sources: [{ path: lib.library, content: 'movies' }] });
        pipeline = await startMediaPipeline({
          dir: temp.dir,
          library: lib.library,
          catalogueFile: lib.catalogueFile,
          players: [kodiPlayer(kodi)],
        });

        const started = Date.now();
        await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: lib.library, manual: true }, manual: true });
        await pipeline.idle();
        expect(pipeline.failed.map((f) => `${f.job.type}: ${f.error?.message}`)).toEqual([]);

        // The syncs that completed, and when the last one confirmed everything.
        const syncs = pipeline.completed.filter((o) => o.job.type === 'notify-kodi');
        const results = syncs.map((o) => o.result as NotifyPlayerResult);
        expect(results.reduce((n, r) => n + r.added, 0)).toBe(MOVIES);
        expect(results.every((r) => r.missing.length === 0 && r.confirmation !== 'accepted')).toBe(true);
        const confirmedAt = Math.max(...syncs.map((o) => o.at));

        // Judged by what Kodi lists, through the test's own client.
        const held = await kodiMovies(kodi, `${lib.library}/`);
        expect(held.map((m) => m.file)).toEqual(lib.movies.map((m) => m.videoFile));
        for (const movie of lib.movies) {
          const inKodi = held.find((m) => m.file === movie.videoFile);
          const nfo = nfoOf(movie.videoFile);
          const stem = movie.videoFile.replace(/\.mp4$/, '');
          expect({ title: inKodi?.title, plot: inKodi?.plot, originaltitle: inKodi?.originaltitle }).toEqual({
            title: nfo.title,
            plot: nfo.plot,
            originaltitle: nfo.originaltitle,
          });
          expect(nfo.title).toBe(movie.title);
          expect(kodiArtSource(inKodi?.art['poster'] ?? '')).toBe(`${stem}-poster.jpg`);
          expect(kodiArtSource(inKodi?.art['fanart'] ?? '')).toBe(`${stem}-fanart.jpg`);
          const actorPhoto = kodiArtSource(inKodi?.cast[0]?.thumbnail ?? '');
          expect(actorPhoto).toBe(path.join(movie.folder, '.actors', `Actor_${movie.id.toUpperCase()}.jpg`));
          expect(existsSync(actorPhoto)).toBe(true);
        }

        // Nothing confirmed before Kodi held it: every completed sync's count was read back.
        const syncRuns = pipeline.started.filter((s) => s.job.type === 'notify-kodi').length;
        const requests = results.reduce((n, r) => n + r.requests, 0);
        figures.push(
          `  run ${run}: ${held.length}/${MOVIES} in Kodi; ${((confirmedAt - started) / 1000).toFixed(1)} s from scan to confirmed sync; ` +
            `${syncs.length} sync job(s), ${syncRuns} attempt(s), ${requests} JSON-RPC requests; Kodi start ${kodi.timings.startMs} ms`,
        );
      } finally {
        await pipeline?.close();
        await kodi?.close();
        temp.cleanup();
      }
    });
  }
});
