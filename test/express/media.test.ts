/**
 * `POST /api/media/refresh`: refresh one movie or a whole library with the settings in
 * force, over a running media pipeline (fake TMDB and players on 127.0.0.1).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createMediaRouter } from '../../src/express.js';
import { startPipeline, type Pipeline } from '../media/pipeline/harness.js';
import { makeProviderMovies } from '../media/support/providerServer.js';

let pipeline: Pipeline | undefined;
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
  return { p: pipeline, url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}` };
}

const auth = { Authorization: `Bearer ${'k'.repeat(32)}` };

describe('POST /api/media/refresh', () => {
  it('refreshes a whole library: every movie re-enriched; a refresh that changes nothing tells the players nothing', async () => {
    const { p, url } = await start();
    const res = await request(url).post('/api/media/refresh').set(auth).send({ libraryPath: p.library }).expect(202);
    expect(res.body).toEqual({ jobId: expect.any(String), path: p.library });
    await p.idle();
    const scan = p.done('scan-movie').find((o) => o.job.id === res.body.jobId);
    expect(scan?.job.payload as unknown).toEqual({ libraryPath: p.library, manual: true, refresh: true });
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
    expect(p.players.kodi.library.list().map((m) => m.title).sort()).toEqual(['Movie 001: Extended', 'Movie 002']);
  });

  it('answers 400 for a body that names neither or both, or a folder that is not a library; 404 for an unknown movie; 415 for non-JSON; 401 without the key', async () => {
    const { p, url } = await start();
    const bad = await request(url).post('/api/media/refresh').set(auth).send({}).expect(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(bad.body.error.message).toMatch(/give exactly one of libraryPath .* or movieId/);
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
