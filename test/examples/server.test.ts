/**
 * The example server, started exactly as the README says (`PORT=… PHASEQ_DATA=… npm start`)
 * and stopped by a signal.
 */
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startExampleServer, type RunningServer } from '../e2e/exampleServer.js';
import { waitFor } from '../support/tmp.js';
import { startFakePlayers } from '../media/support/fakePlayers.js';

let server: RunningServer | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

function logLines(output: string): { msg?: string; level?: number }[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; level?: number });
}

describe('examples/server', () => {
  it('starts with npm start, answers /api/health and the page, and stops cleanly on SIGTERM', async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'phaseq-example-server-'));
    server = await startExampleServer({ PHASEQ_DATA: dataDir });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', database: { reachable: true }, workers: { running: true } });
    // Metrics for Prometheus, and the history the page's charts read.
    const metrics = await fetch(`${server.url}/api/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE phaseq_queue_jobs gauge');
    const history = (await (await fetch(`${server.url}/api/metrics/history`)).json()) as { intervalMs: number; buckets: unknown[] };
    expect(history.intervalMs).toBe(60_000);
    expect(history.buckets.length).toBeGreaterThan(0);
    expect(history.buckets.at(-1)).toMatchObject({ completed: expect.any(Number), failed: expect.any(Number) });
    const page = await fetch(server.url);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('Scan library');

    // The demo library exists, and its videos are large to the scanner but sparse on disk.
    const video = statSync(path.join(dataDir, 'library', 'Alien (1979)', 'Alien (1979).mkv'));
    expect(video.size).toBe(200 * 1024 * 1024);
    expect(video.blocks * 512).toBeLessThan(1024 * 1024);

    // An open event stream must not hold the shutdown up.
    const stream = await fetch(`${server.url}/api/events`);
    const reader = stream.body!.getReader();
    await reader.read();
    const ended = (async () => {
      while (!(await reader.read()).done);
      return true;
    })().catch(() => true);

    expect(await server.stop('SIGTERM')).toBe(0);
    expect(await ended).toBe(true);
    const lines = logLines(server.output());
    const messages = lines.map((l) => l.msg);
    expect(messages).toContain('stopping');
    expect(messages).toContain('queue stopped');
    expect(messages.at(-1)).toBe('stopped');
    expect(lines.filter((l) => (l.level ?? 0) >= 50)).toEqual([]);
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow();

    const db = new Database(path.join(dataDir, 'phaseq.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('stops when a connection that was busy as the stop began opens an event stream', async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'phaseq-example-server-'));
    server = await startExampleServer({ PHASEQ_DATA: dataDir });
    const running = server;
    const { libraryPath } = (await (await fetch(`${running.url}/api/library`)).json()) as { libraryPath: string };
    // One connection, kept alive between requests, as a browser keeps one.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // A request in flight when the stop begins: its body is still on its way.
      const body = JSON.stringify({ type: 'scan-movie', payload: { libraryPath }, delayMs: 3_600_000 });
      const post = http.request(`${running.url}/api/jobs`, {
        method: 'POST',
        agent,
        // The server's "100 Continue" says it has the request.
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Expect: '100-continue' },
      });
      const answered = once(post, 'response') as Promise<[http.IncomingMessage]>;
      post.flushHeaders();
      await once(post, 'continue');
      const exited = once(running.child, 'exit') as Promise<[number | null]>;
      process.kill(running.serverPid, 'SIGTERM');
      await waitFor(() => running.output().includes('"msg":"stopping"'), 10_000, 'the stop to begin');
      post.end(body);
      const [res] = await answered;
      res.resume();
      await once(res, 'end');
      expect(res.statusCode).toBe(201);
      // Then the page's event stream, on the same connection: the server may end or refuse
      // it, but must not keep it open (the stop would then wait for its 30 s deadline).
      const stream = await new Promise<http.IncomingMessage | null>((resolve) =>
        http.get(`${running.url}/api/events`, { agent }, resolve).on('error', () => resolve(null)),
      );
      if (stream) {
        stream.resume();
        await once(stream, 'close');
      }
      // Past its 30 s deadline the server exits with 1.
      const [code] = await exited;
      expect(code).toBe(0);
    } finally {
      agent.destroy();
    }
  });

  it('keeps settings in PHASEQ_DATA across a restart (stopped with SIGINT, like Ctrl-C)', async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'phaseq-example-server-'));
    server = await startExampleServer({ PHASEQ_DATA: dataDir });
    const patch = await fetch(`${server.url}/api/phase-config/enrichment`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ maxPoster: 9 }),
    });
    expect(patch.status).toBe(200);
    expect(await server.stop('SIGINT')).toBe(0);
    expect(logLines(server.output()).at(-1)?.msg).toBe('stopped');

    server = await startExampleServer({ PHASEQ_DATA: dataDir });
    const config = await fetch(`${server.url}/api/phase-config/enrichment`);
    expect(await config.json()).toMatchObject({ maxPoster: 9 });
  });

  it('has a sample TV library that a scan-tv job through the REST API publishes, and lists both libraries with their kinds', async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'phaseq-example-server-'));
    server = await startExampleServer({ PHASEQ_DATA: dataDir });
    const tv = path.join(dataDir, 'tv');
    const video = statSync(path.join(tv, 'Breaking Bad (2008)', 'Season 01', 'Breaking.Bad.S01E01.1080p.mkv'));
    expect(video.size).toBe(200 * 1024 * 1024);
    expect(video.blocks * 512).toBeLessThan(1024 * 1024);
    const library = (await (await fetch(`${server.url}/api/library`)).json()) as { libraries: { path: string; kind: string }[] };
    expect(library.libraries).toEqual([
      { path: path.join(dataDir, 'library'), kind: 'movies', scanJob: 'scan-movie' },
      { path: tv, kind: 'tvshows', scanJob: 'scan-tv' },
    ]);

    // A movie scan of the TV library is refused by the pipeline; the TV scan publishes it.
    const post = (body: unknown) =>
      fetch(`${server!.url}/api/jobs`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ type: 'scan-tv', payload: { libraryPath: tv, manual: true }, manual: true })).status).toBe(201);
    const multi = path.join(tv, 'The Office (2005)', 'Season 06', 'The.Office.S06E04E05.Niagara.720p.nfo');
    const badShow = path.join(tv, 'Breaking Bad (2008)', 'tvshow.nfo');
    const badEpisode = path.join(tv, 'Breaking Bad (2008)', 'Season 01', 'Breaking.Bad.S01E02.1080p.nfo');
    // Each show is published by its own job, in any order: wait for both.
    const deadline = Date.now() + 30_000;
    await waitFor(() => [multi, badShow, badEpisode].every((file) => existsSync(file)), 30_000, 'both shows to be published');
    const text = readFileSync(multi, 'utf8');
    expect(text.match(/<episodedetails>/g)).toHaveLength(2);
    expect(text).toContain('<title>Niagara (Part 2)</title>');
    expect(readFileSync(badShow, 'utf8')).toContain('<title>Breaking Bad</title>');
    expect(readFileSync(badEpisode, 'utf8')).toContain("<title>Cat's in the Bag...</title>");
    // A movie scan of the TV library is accepted by the queue but refused by the pipeline.
    const refused = (await (await post({ type: 'scan-movie', payload: { libraryPath: tv } })).json()) as { id: string };
    let job: { state?: string; lastError?: string } = {};
    while (job.state !== 'failed' && Date.now() < deadline + 30_000) {
      job = (await (await fetch(`${server.url}/api/jobs/${refused.id}`)).json()) as typeof job;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(job.state).toBe('failed');
    expect(job.lastError).toMatch(/is in the tvshows library/);
  });

  it('keeps the players of PHASEQ_PLAYERS_FILE in sync: a scan ends with the demo movies in Kodi, artwork and actor photos beside them, and the demo shows', async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'phaseq-example-server-'));
    const players = await startFakePlayers();
    try {
      const playersFile = path.join(dataDir, 'players.json');
      writeFileSync(playersFile, JSON.stringify([players.kodi.config, players.jellyfin.config]));
      server = await startExampleServer({ PHASEQ_DATA: dataDir, PHASEQ_PLAYERS_FILE: playersFile });
      const library = path.join(dataDir, 'library');
      const add = await fetch(`${server.url}/api/jobs`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'scan-movie', payload: { libraryPath: library, manual: true }, manual: true }),
      });
      expect(add.status).toBe(201);
      const deadline = Date.now() + 60_000;
      const synced = (): boolean => players.kodi.library.list().length === 3 && players.jellyfin.requests.some((r) => r.status === 204);
      while (!synced() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(
        players.kodi.library
          .list()
          .map((m) => m.title)
          .sort(),
      ).toEqual(['Alien', 'Spirited Away', 'The Matrix']);
      expect(players.jellyfin.requests.some((r) => r.status === 204)).toBe(true);
      const matrix = path.join(library, 'The Matrix (1999)');
      expect(readdirSync(matrix).sort()).toEqual(
        [
          '.actors',
          'The Matrix (1999)-fanart.jpg',
          'The Matrix (1999)-poster.jpg',
          'The Matrix (1999).mkv',
          'The Matrix (1999).nfo',
        ].sort(),
      );
      expect(readdirSync(path.join(matrix, '.actors')).sort()).toEqual([
        'Carrie-Anne_Moss.jpg',
        'Keanu_Reeves.jpg',
        'Laurence_Fishburne.jpg',
      ]);

      // The demo TV library too, into Kodi's tvshows source: both shows, every episode (the two-episode file twice).
      const tv = path.join(dataDir, 'tv');
      players.kodi.library.addTvSource(`${tv}/`);
      const scanTv = await fetch(`${server.url}/api/jobs`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'scan-tv', payload: { libraryPath: tv, manual: true }, manual: true }),
      });
      expect(scanTv.status).toBe(201);
      const tvDeadline = Date.now() + 60_000;
      const multi = path.join(tv, 'The Office (2005)', 'Season 06', 'The.Office.S06E04E05.Niagara.720p.mkv');
      const tvSynced = (): boolean => players.kodi.library.listShows().length === 2 && players.kodi.library.episodesOf(multi).length === 2;
      while (!tvSynced() && Date.now() < tvDeadline) await new Promise((r) => setTimeout(r, 100));
      expect(
        players.kodi.library
          .listShows()
          .map((s) => s.title)
          .sort(),
      ).toEqual(['Breaking Bad', 'The Office']);
      expect(players.kodi.library.episodesOf(multi).map((e) => [e.season, e.episode, e.title])).toEqual([
        [6, 4, 'Niagara (Part 1)'],
        [6, 5, 'Niagara (Part 2)'],
      ]);
    } finally {
      await server?.stop();
      server = undefined;
      await players.close();
    }
  });

  it('refuses to start, naming the variable, when PHASEQ_PLAYERS is not a JSON list', async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'phaseq-example-server-'));
    await expect(startExampleServer({ PHASEQ_DATA: dataDir, PHASEQ_PLAYERS: '{"kind":"kodi"}' })).rejects.toThrow(
      /PHASEQ_PLAYERS must be a JSON array of players/,
    );
    await expect(startExampleServer({ PHASEQ_DATA: dataDir, PHASEQ_PLAYERS: '[{"kind":"vlc","name":"x"}]' })).rejects.toThrow(
      /cannot start: Invalid media plugin options: players\.0\.kind: must be/,
    );
  });

  it('with PHASEQ_API_KEY set, the API needs the key', async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'phaseq-example-server-'));
    server = await startExampleServer({ PHASEQ_DATA: dataDir, PHASEQ_API_KEY: 'example-key-123' });
    expect((await fetch(`${server.url}/api/phase-config`)).status).toBe(401);
    const ok = await fetch(`${server.url}/api/phase-config`, { headers: { Authorization: 'Bearer example-key-123' } });
    expect(ok.status).toBe(200);
    // The page itself loads without the key; it asks for one.
    expect((await fetch(server.url)).status).toBe(200);
  });
});
