/**
 * End to end: Radarr imports a movie and calls the webhook; the whole media pipeline
 * runs — webhook-received → scan-movie → enrich-metadata (fake TMDB on 127.0.0.1) →
 * publish (NFO and artwork written into the library) → notify (fake Kodi, Jellyfin and
 * Plex on 127.0.0.1) — and a duplicate delivery of the same event adds no second scan.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookRouter } from '../../src/adapters/express/webhooks.js';
import { addVideo, startPipeline, type Pipeline } from '../media/pipeline/harness.js';
import { makeProviderMovies } from '../media/support/providerServer.js';
import { SECRET, fixture, fixtureText, post } from './support.js';

let pipeline: Pipeline | null = null;
let server: Server | null = null;
afterEach(async () => {
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = null;
  await pipeline?.close();
  pipeline = null;
});

describe('Radarr Download → published NFO → player notified', () => {
  it('runs the whole pipeline for the imported movie, once', async () => {
    pipeline = await startPipeline({ movies: makeProviderMovies(1), folders: [] });
    const p = pipeline;
    // Radarr moved the file into its folder (it sees the library as /movies).
    const video = addVideo(p.library, 'Movie 001 (1990)');
    const app = express();
    app.use(
      '/api',
      createWebhookRouter(p.queue, {
        auth: { type: 'secret', secret: SECRET },
        libraries: [p.library],
        downloaders: { radarr: { pathMap: [{ from: '/movies', to: p.library }] } },
      }),
    );
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/radarr?secret=${SECRET}`;

    const res = await post(url, fixtureText('radarr', 'Download'));
    expect(res.status).toBe(202);
    const again = await post(url, fixtureText('radarr', 'Download'));
    expect(again.body).toMatchObject({ action: 'duplicate', jobId: res.body.jobId });
    await p.until(() => p.done('notify-kodi').length + p.done('notify-jellyfin').length + p.done('notify-plex').length === 3);
    await p.idle();

    expect(p.failed).toEqual([]);
    expect(p.done('webhook-received')).toHaveLength(1);
    expect(p.done('scan-movie')).toHaveLength(1);
    const scan = p.done('scan-movie')[0]!.job;
    expect(scan.payload).toEqual({ moviePath: path.join(p.library, 'Movie 001 (1990)') });
    expect(p.done('publish')).toHaveLength(1);

    const nfoFile = video.replace(/\.mkv$/, '.nfo');
    expect(existsSync(nfoFile)).toBe(true);
    const nfo = new XMLParser().parse(readFileSync(nfoFile, 'utf8')) as { movie: { title: string; year: number } };
    expect(nfo.movie.title).toBe('Movie 001');
    expect(nfo.movie.year).toBe(1990);
    expect(existsSync(video.replace(/\.mkv$/, '-poster.jpg'))).toBe(true);

    const kodi = p.players.kodi.rpcCalls();
    expect(kodi.some((c) => c.method === 'VideoLibrary.Scan')).toBe(true);
    expect(p.players.jellyfin.requests.filter((r) => r.status === 204)).toHaveLength(1);
    expect(p.players.plex.requests.filter((r) => r.status === 200)).toHaveLength(1);

    // Radarr deletes the movie with its folder: the rescan removes it from the library.
    expect(p.media.movies.count()).toBe(1);
    rmSync(path.dirname(video), { recursive: true });
    const deleted = await post(url, fixtureText('radarr', 'MovieDelete'));
    expect(deleted.status).toBe(202);
    await p.until(() => p.done('scan-movie').length === 2);
    await p.idle();
    expect(p.media.movies.count()).toBe(0);
    // The same event again: the folder is gone and holds no known movie, so nothing is scanned.
    const other = fixture('radarr', 'MovieDelete');
    (other.movie as Record<string, unknown>).folderPath = '/movies/Never Seen (2001)';
    expect((await post(url, other)).status).toBe(202);
    await p.until(() => p.done('webhook-received').length === 3);
    await p.idle();
    expect(p.done('webhook-received')[2]!.result).toEqual({ moviePath: path.join(p.library, 'Never Seen (2001)'), scanJobId: null });
    expect(p.done('scan-movie')).toHaveLength(2);
    expect(p.failed).toEqual([]);
  }, 60_000);
});
