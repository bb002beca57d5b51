/**
 * `POST /api/media/refresh`: refresh one movie, one TV show or a whole library with the
 * settings in force, over a running media pipeline (fake TMDB or the local catalogue, and
 * fake players on 127.0.0.1).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createMediaRouter } from '../../src/express.js';
import type { NotifyPlayerResult } from '../../src/media/handlers/notifyPlayer.js';
import { startPipeline, type Pipeline } from '../media/pipeline/harness.js';
import { episodeTitle, startTvPipeline, type TvPipeline } from '../media/tv/harness.js';
import { makeProviderMovies } from '../media/support/providerServer.js';

let pipeline: Pipeline | TvPipeline | undefined;
let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await pipeline?.close();
  pipeline = undefined;
});

let movies = makeProviderMovies(2);
async function start(): Promise<{ p: Pipeline; url: string }> {
  movies = makeProviderMovies(2);
  pipeline = await startPipeline({ movies, players: (players) => [players.kodi.config] });
  const app = express();
  app.use('/api', createMediaRouter(pipeline.queue, pipeline.media, { apiKey: 'k'.repeat(32) }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server!.once('listening', resolve));
  await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: pipeline.library } });
  await pipeline.idle();
  return { p: pipeline, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const auth = { Authorization: `Bearer ${'k'.repeat(32)}` };

describe('POST /api/media/refresh', () => {
  it('refreshes a whole library: every movie re-enriched; a refresh that changes nothing tells the players nothing', async () => {
    const { p, url } = await start();
    const res = await request(url).post('/api/media/refresh').set(auth).send({ libraryPath: p.library }).expect(202);
    expect(res.body).toEqual({ jobId: expect.any(String), path: p.library });
    await p.idle();
    const scan = p.done('scan-movie').find((o) => o.job.id === res.body.jobId);
    expect(scan?.job.payload).toEqual({ libraryPath: p.library, manual: true, refresh: true });
    expect(scan?.result).toMatchObject({ found: 2, unchanged: 2, enqueued: 2 });
    expect(p.done('enrich-metadata')).toHaveLength(4);
    expect(p.done('notify-kodi').filter((o) => (o.job.payload as { manual?: boolean }).manual === true)).toEqual([]);
  });

  it('refreshes one movie by id, and its changed metadata reaches Kodi', async () => {
    const { p, url } = await start();
    // An English-language movie: TMDB's title is its original title.
    movies[0]!.title = movies[0]!.originalTitle = 'Movie 001: Extended';
    const [movie] = p.media.movies.list();
    const res = await request(url).post('/api/media/refresh').set(auth).send({ movieId: movie!.id }).expect(202);
    expect(res.body.path).toBe(movie!.videoFile);
    await p.idle();
    expect(p.done('enrich-metadata')).toHaveLength(3);
    expect(
      p.players.kodi.library
        .list()
        .map((m) => m.title)
        .sort(),
    ).toEqual(['Movie 001: Extended', 'Movie 002']);
  });

  it('answers 400 for a body that names neither or both, or a folder that is not a library; 404 for an unknown movie; 415 for non-JSON; 401 without the key', async () => {
    const { p, url } = await start();
    const bad = await request(url).post('/api/media/refresh').set(auth).send({}).expect(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(bad.body.error.message).toMatch(/give exactly one of libraryPath .*, movieId .* or showId/);
    await request(url).post('/api/media/refresh').set(auth).send({ libraryPath: p.library, movieId: 1 }).expect(400);
    await request(url).post('/api/media/refresh').set(auth).send({ movieId: 'one' }).expect(400);
    const elsewhere = await request(url).post('/api/media/refresh').set(auth).send({ libraryPath: '/elsewhere' }).expect(400);
    expect(elsewhere.body.error.message).toMatch(/is not a configured library/);
    const missing = await request(url).post('/api/media/refresh').set(auth).send({ movieId: 999 }).expect(404);
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND' });
    await request(url).post('/api/media/refresh').set(auth).set('Content-Type', 'text/plain').send('x').expect(415);
    await request(url).post('/api/media/refresh').send({ libraryPath: p.library }).expect(401);
    // Nothing was enqueued by any of them.
    expect((await p.queue.listJobs({ state: 'pending' })).filter((j) => j.type === 'scan-movie')).toEqual([]);
  });
});

describe('POST /api/media/refresh of TV', () => {
  it('refreshes a tvshows library with scan-tv, and one show by id; what changed reaches Kodi, an unchanged refresh tells it nothing', async () => {
    const p = await startTvPipeline();
    pipeline = p;
    const app = express();
    app.use('/api', createMediaRouter(p.queue, p.media, { apiKey: 'k'.repeat(32) }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server!.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.tv } });
    await p.idle();
    const syncs = () => p.done('notify-kodi').length;

    // The whole library: every show enriched and published again; nothing changed, so Kodi hears nothing.
    const before = syncs();
    const whole = await request(url).post('/api/media/refresh').set(auth).send({ libraryPath: p.tv }).expect(202);
    expect(whole.body).toEqual({ jobId: expect.any(String), path: p.tv });
    await p.idle();
    expect(p.failed).toEqual([]);
    expect(p.completed.find((o) => o.job.id === whole.body.jobId)).toMatchObject({
      job: { type: 'scan-tv', payload: { libraryPath: p.tv, manual: true, refresh: true } },
    });
    expect(p.done('enrich-tvshow').filter((o) => o.job.manual)).toHaveLength(3);
    expect(syncs()).toBe(before);

    // One show, after its catalogue entry changed: Kodi reads the changed episode again.
    const catalogue = JSON.parse(readFileSync(p.cataloguePath, 'utf8')) as {
      series: { id: string; seasons: { number: number; episodes: { number: number; title: string }[] }[] }[];
    };
    catalogue.series
      .find((s) => s.id === '1002')!
      .seasons.find((s) => s.number === 2)!
      .episodes.find((e) => e.number === 1)!.title = 'Beta Two One, Refreshed';
    writeFileSync(p.cataloguePath, JSON.stringify(catalogue));
    const beta = p.media.tv.listShows().find((s) => s.title === 'Beta Show')!;
    const one = await request(url).post('/api/media/refresh').set(auth).send({ showId: beta.id }).expect(202);
    expect(one.body).toEqual({ jobId: expect.any(String), path: beta.path });
    await p.idle();
    expect(p.failed).toEqual([]);
    const sync = p.done('notify-kodi').at(-1)!.result as NotifyPlayerResult;
    expect(sync.episodes).toEqual({ added: 0, refreshed: 1, removed: 0 });
    const titles = p.players.kodi.library.listEpisodes(`${beta.path}/`).map((e) => e.title);
    expect(titles).toContain('Beta Two One, Refreshed');
    expect(titles).toContain(episodeTitle('Beta Show', 2, 2));
    await request(url).post('/api/media/refresh').set(auth).send({ showId: 999 }).expect(404);
  }, 60_000);
});
