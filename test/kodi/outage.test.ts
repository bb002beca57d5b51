/**
 * Kodi stopped in the middle of a sync (SIGTERM while it scans the new movies): the sync
 * attempt fails, nothing is reported or recorded as synced while Kodi is down, the job
 * retries, and once Kodi is back it completes with every movie in Kodi.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { isEmptyPlan } from '../../src/media/db/PlayerSyncRepository.js';
import type { NotifyPlayerResult } from '../../src/media/handlers/notifyPlayer.js';
import { ensureMediaFixtures } from '../support/kodi/fixtures.js';
import { startKodi, type KodiInstance } from '../support/kodi/kodi.js';
import { kodiPlayer, makeCatalogueLibrary, startMediaPipeline, type MediaPipeline } from '../support/kodi/mediaPipeline.js';
import { kodiIsScanning, kodiMovies } from '../support/kodi/rpc.js';
import { makeTempDir, sleep, waitFor } from '../support/tmp.js';

const MOVIES = 60;
const fixtures = ensureMediaFixtures(inject('kodiFixtures'));
const temp = makeTempDir('phaseq-kodi-outage-');
let kodi: KodiInstance | undefined;
let pipeline: MediaPipeline | undefined;

afterAll(async () => {
  await pipeline?.close();
  await kodi?.close();
  temp.cleanup();
});

describe('Kodi stopped mid-sync', () => {
  it('the sync fails while Kodi is down, confirms nothing, retries, and completes once Kodi is back', async () => {
    const lib = makeCatalogueLibrary(temp.dir, fixtures, MOVIES, 'Outage Movie');
    kodi = await startKodi({ sources: [{ path: lib.library, content: 'movies' }] });
    const k = kodi;
    pipeline = await startMediaPipeline({
      dir: temp.dir,
      library: lib.library,
      catalogueFile: lib.catalogueFile,
      players: [kodiPlayer(k)],
      maxRetries: 100,
      retryDelayMs: 1000,
    });
    const p = pipeline;
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: lib.library, manual: true }, manual: true });

    // Stop Kodi while it scans what the sync asked it to scan.
    await waitFor(() => kodiIsScanning(k).catch(() => false), 120_000, 'Kodi to start scanning');
    const stoppedAt = Date.now();
    const stopMs = await k.stopKodi();
    const downFor = 5000;
    await sleep(downFor);

    // While Kodi is down: no sync completed, nothing confirmed, attempts failed and will retry.
    const completedWhileDown = p.completed.filter((o) => o.job.type === 'notify-kodi' && o.at >= stoppedAt);
    expect(completedWhileDown).toEqual([]);
    expect(p.media.syncs.planFor('kodi').added).toHaveLength(MOVIES);
    const failedAttempts = p.retries.filter((r) => r.job.type === 'notify-kodi');
    expect(failedAttempts.length).toBeGreaterThan(0);
    expect(failedAttempts.filter((r) => r.error?.name !== 'PlayerError').map((r) => r.error?.message)).toEqual([]);
    expect(p.failed).toEqual([]);

    const restartMs = await k.startKodi();
    await p.idle();
    expect(p.failed).toEqual([]);
    const syncs = p.completed.filter((o) => o.job.type === 'notify-kodi');
    expect(syncs.every((o) => o.at > stoppedAt + downFor)).toBe(true);
    expect(syncs.map((o) => o.result as NotifyPlayerResult).reduce((n, r) => n + r.added, 0)).toBe(MOVIES);
    expect((await kodiMovies(k, `${lib.library}/`)).map((m) => m.file)).toEqual(lib.movies.map((m) => m.videoFile));
    expect(isEmptyPlan(p.media.syncs.planFor('kodi'))).toBe(true);
    console.log(
      `[kodi figures] outage: Kodi stopped mid-scan (stop ${stopMs} ms), down ${downFor} ms, ${failedAttempts.length} failed attempt(s) meanwhile; ` +
        `restart ${restartMs} ms; confirmed ${((Math.max(...syncs.map((o) => o.at)) - stoppedAt) / 1000).toFixed(1)} s after the stop`,
    );
  });
});
