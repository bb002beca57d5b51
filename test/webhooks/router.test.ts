/**
 * The webhook router against the Radarr and Sonarr fixtures, over real HTTP on 127.0.0.1
 * with a real SQLite queue: what each event enqueues, authentication, malformed input,
 * path mapping and refusal, duplicate deliveries, and the rate limit.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { createWebhookRouter } from '../../src/adapters/express/webhooks.js';
import type { JobQueue } from '../../src/JobQueue.js';
import { JOB_PRIORITY } from '../../src/types.js';
import {
  SECRET,
  fixture,
  fixtureNames,
  fixtureText,
  post,
  producer,
  recordingLogger,
  serve,
  webhookEnv,
  type WebhookEnv,
} from './support.js';

let env: WebhookEnv;
const servers: { close(): Promise<void> }[] = [];
const extraQueues: JobQueue[] = [];

beforeEach(async () => {
  env = await webhookEnv();
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const q of extraQueues.splice(0)) await q.stop();
  await env.close();
});

async function start(overrides: Partial<Parameters<typeof createWebhookRouter>[1]> = {}) {
  const logger = recordingLogger();
  const server = await serve(env.queue, {
    auth: { type: 'secret', secret: SECRET },
    libraries: [env.movies, { path: env.tv, kind: 'tvshows' }],
    downloaders: { radarr: { pathMap: [{ from: '/movies', to: env.movies }] }, sonarr: { pathMap: [{ from: '/tv', to: env.tv }] } },
    rateLimit: false,
    logger,
    ...overrides,
  });
  servers.push(server);
  return { url: server.url, logger };
}

const auth = { 'x-webhook-secret': SECRET };

/** What each fixture must lead to: a scan of a folder, or nothing. */
const RADARR: Record<string, 'scan' | 'none'> = {
  ApplicationUpdate: 'none',
  Download: 'scan',
  DownloadUpgrade: 'scan',
  Grab: 'none',
  Health: 'none',
  HealthRestored: 'none',
  MovieAdded: 'none',
  MovieDelete: 'scan',
  MovieFileDelete: 'scan',
  Rename: 'scan',
  Test: 'none',
};
const SONARR: Record<string, 'scan' | 'none'> = {
  ApplicationUpdate: 'none',
  Download: 'scan',
  EpisodeFileDelete: 'scan',
  Grab: 'none',
  Health: 'none',
  // Sonarr 4's "import complete" delivery: also a Download, listing every imported file.
  ImportComplete: 'scan',
  Rename: 'scan',
  SeriesAdd: 'none',
  SeriesDelete: 'scan',
  Test: 'none',
};

/** The library paths each Sonarr file event names. */
const SONARR_PATHS: Record<string, string[]> = {
  Download: ['tv/Show One/Season 01/Show One - S01E01 - Pilot.mkv'],
  EpisodeFileDelete: ['tv/Show One/Season 01/Show One - S01E01 - Pilot.mkv'],
  ImportComplete: [
    "tv/Show One/Season 01/Show One - S01E02 - Cat's in the Bag.mkv",
    "tv/Show One/Season 01/Show One - S01E03 - And the Bag's in the River.mkv",
  ],
  Rename: ['tv/Show One/Season 01/Show One - S01E01 - Pilot.mkv', 'tv/Show One/Season 01/show.one.s01e01.mkv'],
  SeriesDelete: ['tv/Show One'],
};

describe('every fixture event', () => {
  for (const [source, expected, folder] of [
    ['radarr', RADARR, 'movies/Movie 001 (1990)'],
    ['sonarr', SONARR, 'tv/Show One'],
  ] as const) {
    it(`${source}: file events enqueue one webhook-received job for the mapped folder, the others none`, async () => {
      expect(fixtureNames(source)).toEqual(Object.keys(expected).sort());
      const { url } = await start();
      for (const name of fixtureNames(source)) {
        const before = (await env.queue.listJobs()).length;
        const res = await post(`${url}/api/webhooks/${source}`, fixtureText(source, name), auth);
        const jobs = await env.queue.listJobs({ limit: 500 });
        if (expected[name] === 'scan') {
          expect(res.status, name).toBe(202);
          expect(res.body).toMatchObject({ received: true, action: 'scan', moviePath: path.join(env.dir, 'library', folder) });
          expect(jobs.length, name).toBe(before + 1);
          const job = jobs.find((j) => j.id === res.body.jobId)!;
          expect(job.type).toBe('webhook-received');
          expect(job.priority).toBe(JOB_PRIORITY.HIGH);
          const payload = job.payload as { source: string; eventType: string; body: Record<string, unknown> };
          expect(payload.source).toBe(source);
          expect(payload.eventType).toBe(fixture(source, name).eventType);
          expect(payload.body.moviePath).toBe(path.join(env.dir, 'library', folder));
          expect(payload.body.delivery).toEqual(fixture(source, name));
          expect(payload.body.libraryKind).toBe(source === 'radarr' ? 'movies' : 'tvshows');
          // Sonarr names the changed files: exactly those are scanned.
          const expectedPaths = source === 'sonarr' ? SONARR_PATHS[name]!.map((p) => path.join(env.dir, 'library', p)) : undefined;
          expect(payload.body.paths).toEqual(expectedPaths);
          expect(res.body.paths).toEqual(expectedPaths);
        } else {
          expect(res.status, name).toBe(200);
          expect(res.body).toMatchObject({ received: true, action: 'none' });
          expect(jobs.length, name).toBe(before);
        }
      }
    });
  }
});

describe('authentication', () => {
  it('secret: refuses a missing or wrong secret (401, nothing enqueued); accepts the header or the query', async () => {
    const { url } = await start();
    const body = fixtureText('radarr', 'Download');
    expect((await post(`${url}/api/webhooks/radarr`, body)).status).toBe(401);
    const wrong = await post(`${url}/api/webhooks/radarr`, body, { 'x-webhook-secret': 'not-the-secret-at-all' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    expect((await post(`${url}/api/webhooks/radarr?secret=wrong`, body)).status).toBe(401);
    expect(await env.queue.listJobs()).toEqual([]);
    expect((await post(`${url}/api/webhooks/radarr?secret=${SECRET}`, body)).status).toBe(202);
    expect(await env.queue.listJobs()).toHaveLength(1);
  });

  it('basic: refuses a wrong password with a Basic challenge; accepts the right one', async () => {
    const { url } = await start({ auth: { type: 'basic', username: 'radarr', password: 'correct horse' } });
    const body = fixtureText('radarr', 'Download');
    const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
    const wrong = await post(`${url}/api/webhooks/radarr`, body, basic('radarr', 'battery staple'));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await post(`${url}/api/webhooks/radarr`, body, auth)).status).toBe(401);
    expect(await env.queue.listJobs()).toEqual([]);
    expect((await post(`${url}/api/webhooks/radarr`, body, basic('radarr', 'correct horse'))).status).toBe(202);
  });

  it('rejects weak or missing auth settings when the router is created', () => {
    const base = { libraries: [env.movies] };
    expect(() => createWebhookRouter(env.queue, { ...base, auth: { type: 'secret', secret: 'short' } })).toThrow(ValidationError);
    expect(() => createWebhookRouter(env.queue, { ...base } as never)).toThrow(ValidationError);
    expect(() => createWebhookRouter(env.queue, { auth: { type: 'none' }, libraries: ['relative/lib'] })).toThrow(ValidationError);
  });
});

describe('malformed or unknown payloads', () => {
  it('answers 400 with the reason, logs it and enqueues nothing', async () => {
    const { url, logger } = await start();
    const u = `${url}/api/webhooks/radarr`;
    const badJson = await post(u, '{"eventType": "Download", "movie": ', auth);
    expect(badJson.status).toBe(400);
    expect(badJson.body).toMatchObject({ error: { code: 'INVALID_JSON' } });

    const unknown = await post(u, { eventType: 'Explode', movie: {} }, auth);
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });

    const noFolder = fixture('radarr', 'Download');
    delete (noFolder.movie as Record<string, unknown>).folderPath;
    const missing = await post(u, noFolder, auth);
    expect(missing.status).toBe(400);
    expect((missing.body.error as { details: { path: string }[] }).details.map((d) => d.path)).toContain('movie.folderPath');

    const noUpgradeFlag = fixture('radarr', 'Download');
    delete noUpgradeFlag.isUpgrade;
    expect((await post(u, noUpgradeFlag, auth)).status).toBe(400);
    expect((await post(u, [fixture('radarr', 'Download')], auth)).status).toBe(400);
    expect((await post(`${url}/api/webhooks/sonarr`, fixtureText('radarr', 'Download'), auth)).status).toBe(400);

    expect(await env.queue.listJobs()).toEqual([]);
    const refused = logger.lines.filter((l) => l.level === 'warn' && l.msg === 'webhook refused');
    expect(refused.map((l) => l.obj.status)).toEqual([400, 400, 400, 400, 400, 400]);
  });
});

describe('path mapping', () => {
  it('refuses a folder outside every library with 422, logged, and never enqueues it', async () => {
    const { url, logger } = await start();
    for (const folderPath of ['/elsewhere/Movie 001 (1990)', '/movies/../../etc', `${env.movies}-other/X`, 'relative/folder']) {
      const body = fixture('radarr', 'Download');
      (body.movie as Record<string, unknown>).folderPath = folderPath;
      const res = await post(`${url}/api/webhooks/radarr`, body, auth);
      expect(res.status, folderPath).toBe(422);
      expect(res.body).toMatchObject({ error: { code: 'PATH_OUTSIDE_LIBRARY', details: { downloaderPath: folderPath } } });
    }
    expect(await env.queue.listJobs()).toEqual([]);
    expect(logger.lines.filter((l) => l.level === 'warn' && l.msg === 'webhook: folder outside every library, refused')).toHaveLength(4);
  });

  it('the longest matching prefix wins, per downloader; an unmapped path inside a library is used as it is', async () => {
    const kids = path.join(env.dir, 'library', 'movies', 'kids');
    const { url } = await start({
      downloaders: {
        radarr: {
          pathMap: [
            { from: '/data', to: path.join(env.dir, 'nowhere') },
            { from: '/data/media/movies', to: env.movies },
            { from: '/data/media/movies/kids', to: kids },
          ],
        },
      },
    });
    const send = async (folderPath: string) => {
      const body = fixture('radarr', 'Download');
      (body.movie as Record<string, unknown>).folderPath = folderPath;
      return post(`${url}/api/webhooks/radarr`, body, auth);
    };
    expect((await send('/data/media/movies/kids/Cartoon (2001)')).body.moviePath).toBe(path.join(kids, 'Cartoon (2001)'));
    expect((await send('/data/media/movies/Heat (1995)')).body.moviePath).toBe(path.join(env.movies, 'Heat (1995)'));
    expect((await send('/data/media/moviesXL/Heat (1995)')).status).toBe(422);
    expect((await send(path.join(env.movies, 'Alien (1979)'))).body.moviePath).toBe(path.join(env.movies, 'Alien (1979)'));
    // A downloader on Windows: backslash paths map onto this server's folders.
    const windows = await start({ downloaders: { radarr: { pathMap: [{ from: 'D:\\Movies', to: env.movies }] } } });
    const body = fixture('radarr', 'Download');
    (body.movie as Record<string, unknown>).folderPath = 'D:\\Movies\\Alien (1979)';
    expect((await post(`${windows.url}/api/webhooks/radarr`, body, auth)).body.moviePath).toBe(path.join(env.movies, 'Alien (1979)'));
    // Sonarr is not configured on this router.
    expect((await post(`${url}/api/webhooks/sonarr`, fixtureText('sonarr', 'Download'), auth)).status).toBe(404);
  });
});

describe('library kinds', () => {
  it("refuses Radarr's events for a tvshows library and Sonarr's for a movies library (422), enqueueing nothing", async () => {
    // Both downloaders see both libraries, so only the kinds can refuse.
    const pathMap = [
      { from: '/movies', to: env.movies },
      { from: '/tv', to: env.tv },
    ];
    const { url, logger } = await start({ downloaders: { radarr: { pathMap }, sonarr: { pathMap } } });
    const movieIntoTv = fixture('radarr', 'Download');
    (movieIntoTv.movie as Record<string, unknown>).folderPath = '/tv/Movie 001 (1990)';
    const radarr = await post(`${url}/api/webhooks/radarr`, movieIntoTv, auth);
    expect(radarr.status).toBe(422);
    expect(radarr.body).toMatchObject({ error: { code: 'LIBRARY_KIND_MISMATCH', details: { library: env.tv, kind: 'tvshows' } } });
    const showIntoMovies = fixture('sonarr', 'Download');
    (showIntoMovies.series as Record<string, unknown>).path = '/movies/Show One';
    const sonarr = await post(`${url}/api/webhooks/sonarr`, showIntoMovies, auth);
    expect(sonarr.status).toBe(422);
    expect(sonarr.body).toMatchObject({ error: { code: 'LIBRARY_KIND_MISMATCH', details: { library: env.movies, kind: 'movies' } } });
    expect(await env.queue.listJobs()).toEqual([]);
    expect(logger.lines.filter((l) => l.msg === 'webhook: library of the wrong kind, refused')).toHaveLength(2);
  });

  it('a plain library string is a movies library, so Sonarr events for it are refused', async () => {
    const { url } = await start({ libraries: [env.movies, env.tv] });
    const res = await post(`${url}/api/webhooks/sonarr`, fixtureText('sonarr', 'Download'), auth);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: { code: 'LIBRARY_KIND_MISMATCH' } });
  });

  it('refuses a Sonarr relative path that leaves the series folder, and a Download without its file (400)', async () => {
    const { url } = await start();
    const escape = fixture('sonarr', 'Download');
    (escape.episodeFile as Record<string, unknown>).relativePath = '../Other Show/Season 01/x.mkv';
    const res = await post(`${url}/api/webhooks/sonarr`, escape, auth);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'VALIDATION_ERROR', details: [{ path: 'episodeFile.relativePath' }] } });
    const noFile = fixture('sonarr', 'Download');
    delete noFile.episodeFile;
    const missing = await post(`${url}/api/webhooks/sonarr`, noFile, auth);
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toContain('a Download needs episodeFile');
    expect(await env.queue.listJobs()).toEqual([]);
  });

  it('refuses a library list whose libraries of different kinds nest', () => {
    expect(() =>
      createWebhookRouter(env.queue, { auth: { type: 'none' }, libraries: [env.dir, { path: env.tv, kind: 'tvshows' }] }),
    ).toThrow(/lies inside the movies library/);
    expect(() =>
      createWebhookRouter(env.queue, { auth: { type: 'none' }, libraries: [{ path: env.tv, kind: 'series' as 'tvshows' }] }),
    ).toThrow(/libraries\.0\.kind: must be "movies" or "tvshows"/);
  });
});

describe('duplicate deliveries', () => {
  it('the same delivery twice enqueues one job: the second answer names the first job', async () => {
    const { url } = await start();
    const first = await post(`${url}/api/webhooks/radarr`, fixtureText('radarr', 'Download'), auth);
    const second = await post(`${url}/api/webhooks/radarr`, fixtureText('radarr', 'Download'), auth);
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ action: 'duplicate', jobId: first.body.jobId });
    expect(await env.queue.listJobs()).toHaveLength(1);
    // A different event about the same folder is its own job.
    expect((await post(`${url}/api/webhooks/radarr`, fixtureText('radarr', 'Rename'), auth)).status).toBe(202);
    expect(await env.queue.listJobs()).toHaveLength(2);
  });

  it('two servers on one database (two processes) still enqueue one job for one delivery', async () => {
    const a = await start();
    const otherQueue = producer(env.dbFile);
    extraQueues.push(otherQueue);
    const b = await serve(otherQueue, {
      auth: { type: 'secret', secret: SECRET },
      libraries: [env.movies],
      downloaders: { radarr: { pathMap: [{ from: '/movies', to: env.movies }] } },
      rateLimit: false,
    });
    servers.push(b);
    const first = await post(`${a.url}/api/webhooks/radarr`, fixtureText('radarr', 'Download'), auth);
    const second = await post(`${b.url}/api/webhooks/radarr`, fixtureText('radarr', 'Download'), auth);
    expect(second.body.jobId).toBe(first.body.jobId);
    expect(await env.queue.listJobs()).toHaveLength(1);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After once an address has used its burst', async () => {
    const { url } = await start({ rateLimit: { perMinute: 1, burst: 2 } });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 3; i++) {
      const res = await post(`${url}/api/webhooks/radarr`, fixtureText('radarr', 'Test'), auth);
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        expect(res.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
      }
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });
});
