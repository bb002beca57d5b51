/**
 * `GET /api/media/libraries`, `GET /api/media/libraries/:id/progress` and
 * `POST /api/media/libraries/:id/scan`: the configured libraries with their kinds and
 * counts, and a TV library's pipeline followed phase by phase to its end, over a running
 * TV pipeline (local catalogue, fake players on 127.0.0.1). Phases are held with type
 * pauses, so each one is seen while it waits, whatever the machine's speed.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createMediaRouter } from '../../src/express.js';
import type { LibraryStatus } from '../../src/media/index.js';
import { startTvPipeline, type TvPipeline } from '../media/tv/harness.js';

let pipeline: TvPipeline | undefined;
let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await pipeline?.close();
  pipeline = undefined;
});

const KEY = 'k'.repeat(32);
const auth = { Authorization: `Bearer ${KEY}` };

async function start(): Promise<{ p: TvPipeline; url: string }> {
  const p = await startTvPipeline();
  pipeline = p;
  const app = express();
  app.use('/api', createMediaRouter(p.queue, p.media, { apiKey: KEY }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server!.once('listening', resolve));
  return { p, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function progress(url: string, id: number): Promise<LibraryStatus> {
  return (await request(url).get(`/api/media/libraries/${id}/progress`).set(auth).expect(200)).body as LibraryStatus;
}

/** Asks until the library reaches `phase` (the test's timeout bounds it). */
async function until(url: string, id: number, phase: string): Promise<LibraryStatus> {
  for (;;) {
    const status = await progress(url, id);
    if (status.progress.phase === phase) return status;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const NOTIFY = ['notify-kodi', 'notify-jellyfin', 'notify-plex'];

describe('GET /api/media/libraries', () => {
  it('lists every configured library with its id, kind, scan job, empty counts and nothing running', async () => {
    const { p, url } = await start();
    const res = await request(url).get('/api/media/libraries').set(auth).expect(200);
    const idle = { pending: 0, delayed: 0, running: 0, failed: 0 };
    const jobs = { scan: idle, enrich: idle, publish: idle, playerSync: idle };
    expect(res.body).toEqual({
      libraries: [
        {
          id: 1,
          path: p.movies,
          kind: 'movies',
          scanJob: 'scan-movie',
          counts: { movies: 0, enriched: 0, published: 0 },
          progress: { phase: 'done', jobs },
        },
        {
          id: 2,
          path: p.tv,
          kind: 'tvshows',
          scanJob: 'scan-tv',
          counts: { shows: 0, seasons: 0, episodes: 0, enriched: 0, published: 0 },
          progress: { phase: 'done', jobs },
        },
      ],
    });
    await request(url).get('/api/media/libraries').expect(401);
  });
});

describe('a TV library scanned through the routes', () => {
  it('goes scan → enrich → publish → player sync → done, with its counts filled at the end', { timeout: 60_000 }, async () => {
    const { p, url } = await start();
    await p.queue.pause();
    const scan = await request(url).post('/api/media/libraries/2/scan').set(auth).expect(202);
    expect(scan.body).toEqual({ jobId: expect.any(String), type: 'scan-tv', path: p.tv, kind: 'tvshows' });
    const job = await p.queue.getJob(scan.body.jobId);
    expect(job).toMatchObject({ type: 'scan-tv', manual: true, payload: { libraryPath: p.tv, manual: true } });

    // Queued: the scan is pending; the movie library has nothing to do.
    let tv = await progress(url, 2);
    expect(tv.progress.phase).toBe('scan');
    expect(tv.progress.jobs.scan).toEqual({ pending: 1, delayed: 0, running: 0, failed: 0 });
    expect((await progress(url, 1)).progress.phase).toBe('done');

    // The scan found the shows; their enrichments wait.
    await p.queue.pause('enrich-tvshow');
    await p.queue.resume();
    tv = await until(url, 2, 'enrich');
    expect(tv.progress.jobs.scan).toEqual({ pending: 0, delayed: 0, running: 0, failed: 0 });
    expect(tv.progress.jobs.enrich.pending).toBe(3);
    expect(tv.counts).toEqual({ shows: 3, seasons: 7, episodes: 31, enriched: 0, published: 0 });

    // Enriched, then published; the player syncs wait.
    for (const type of NOTIFY) await p.queue.pause(type);
    await p.queue.resume('enrich-tvshow');
    tv = await until(url, 2, 'playerSync');
    expect(tv.counts).toMatchObject({ enriched: 3, published: 3 });
    const waiting = tv.progress.jobs.playerSync;
    expect(waiting.pending + waiting.delayed).toBeGreaterThan(0);
    // Player syncs serve every library: the movie library shows them too.
    expect((await progress(url, 1)).progress.jobs.playerSync).toEqual(waiting);

    for (const type of NOTIFY) await p.queue.resume(type);
    await p.idle();
    tv = await progress(url, 2);
    expect(tv.progress.phase).toBe('done');
    expect(tv.counts).toEqual({ shows: 3, seasons: 7, episodes: 31, enriched: 3, published: 3 });
    expect(p.failed).toEqual([]);
    // The list says the same.
    const list = (await request(url).get('/api/media/libraries').set(auth).expect(200)).body as { libraries: LibraryStatus[] };
    expect(list.libraries[1]).toEqual(tv);
  });

  it('scans a movie library with scan-movie; a refresh of the TV library goes through scan-tv', async () => {
    const { p, url } = await start();
    const movies = await request(url).post('/api/media/libraries/1/scan').set(auth).expect(202);
    expect(movies.body).toMatchObject({ type: 'scan-movie', path: p.movies, kind: 'movies' });
    const refresh = await request(url).post('/api/media/refresh').set(auth).send({ libraryPath: p.tv }).expect(202);
    await p.idle();
    expect(p.completed.find((o) => o.job.id === movies.body.jobId)?.job.type).toBe('scan-movie');
    expect(p.completed.find((o) => o.job.id === refresh.body.jobId)?.job.type).toBe('scan-tv');
    expect((await progress(url, 2)).counts).toMatchObject({ shows: 3, episodes: 31 });
  }, 60_000);

  it('answers 400 for an id that is not a whole number from 1, 404 for an unknown one, 401 without the key; nothing is enqueued', async () => {
    const { p, url } = await start();
    await p.queue.pause();
    for (const id of ['0', 'tv', '1.5', '-1']) {
      const bad = await request(url).get(`/api/media/libraries/${id}/progress`).set(auth).expect(400);
      expect(bad.body.error).toMatchObject({ code: 'VALIDATION_ERROR' });
      await request(url).post(`/api/media/libraries/${id}/scan`).set(auth).expect(400);
    }
    const missing = await request(url).get('/api/media/libraries/3/progress').set(auth).expect(404);
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/Library 3 does not exist/) });
    await request(url).post('/api/media/libraries/3/scan').set(auth).expect(404);
    await request(url).post('/api/media/libraries/2/scan').expect(401);
    expect(await p.queue.listJobs()).toEqual([]);
  });
});
