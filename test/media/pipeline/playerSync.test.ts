/**
 * Player sync inside the pipeline: publishes merge into one pending sync per player (none
 * lost, also when they land while a sync runs, also from a second queue on the same
 * database), deletions and changes travel to every player, a sync that leaves Kodi
 * without a movie fails and is retried, and nothing is confirmed while notifications are
 * off. Kodi here is the fake (its library modelled on Kodi 20's behaviour); the real-Kodi
 * suite proves the same against a real Kodi.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { isEmptyPlan } from '../../../src/media/db/PlayerSyncRepository.js';
import type { NotifyPlayerResult } from '../../../src/media/handlers/notifyPlayer.js';
import { playerSyncKey } from '../../../src/media/handlers/playerSyncQueue.js';
import { createMediaPlugin } from '../../../src/media/plugin.js';
import { TmdbProvider } from '../../../src/media/providers/TmdbProvider.js';
import { PhaseConfigService } from '../../../src/phases/PhaseConfigService.js';
import { JobQueue } from '../../../src/JobQueue.js';
import { SQLiteSettingsStore } from '../../../src/backends/sqlite/settings.js';
import { SQLiteJobQueueStorage } from '../../../src/backends/sqlite/storage.js';
import { makeProviderMovies } from '../support/providerServer.js';
import { folderOf, startPipeline, type Pipeline } from './harness.js';
import { MEDIA_PHASE_SCHEMAS } from '../../../src/media/phases.js';

let pipeline: Pipeline | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await pipeline?.close();
  pipeline = undefined;
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What a publish does to reach the players: stamp the movie, then join the pending sync. */
async function publishAndJoin(queue: JobQueue, p: Pipeline, movieId: number): Promise<string> {
  p.media.movies.markPublished(movieId);
  const generation = p.media.syncs.generation('kodi');
  return queue.addJob({
    type: 'notify-kodi',
    payload: { player: 'kodi', generation },
    dedupeKey: playerSyncKey('notify-kodi', 'kodi', generation),
  });
}

function results(p: Pipeline): NotifyPlayerResult[] {
  return p.done('notify-kodi').map((o) => o.result as NotifyPlayerResult);
}

describe('player sync: coalescing', () => {
  it('a publish that lands while the sync talks to Kodi joins it, and the sync enqueues the next one for it', async () => {
    pipeline = await startPipeline({ movies: makeProviderMovies(2), players: (players) => [players.kodi.config] });
    const p = pipeline;
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library } });
    await p.idle();
    expect(results(p).reduce((n, r) => n + r.added, 0)).toBe(2);
    const [a, b] = p.media.movies.list();

    // A changes; while its sync asks Kodi whether it is idle, B is published and joins.
    let joinedId: string | null = null;
    let syncId = '';
    p.players.kodi.onRpc = async (method) => {
      if (method !== 'XBMC.GetInfoBooleans' || joinedId !== null) return;
      joinedId = await publishAndJoin(p.queue, p, b!.id);
    };
    syncId = await publishAndJoin(p.queue, p, a!.id);
    await p.idle();
    expect(joinedId).toBe(syncId);
    const resultOf = (id: string | null) => p.done('notify-kodi').find((o) => o.job.id === id)?.result as NotifyPlayerResult | undefined;
    const first = resultOf(syncId);
    expect(first).toMatchObject({ refreshed: 1, followUpJobId: expect.any(String) });
    expect(resultOf(first!.followUpJobId)).toMatchObject({ refreshed: 1, followUpJobId: null });
    expect(isEmptyPlan(p.media.syncs.planFor('kodi'))).toBe(true);
    expect(p.failed).toEqual([]);
  });

  it('1,000 publishes from two queues on one database make a handful of syncs, and Kodi confirms the last publish of every movie', async () => {
    pipeline = await startPipeline({ movies: makeProviderMovies(20), players: (players) => [players.kodi.config] });
    const p = pipeline;
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library } });
    await p.idle();
    // A second worker process, as far as the database can tell: its own connections,
    // its own queue and plugin on the same file.
    const phases = new PhaseConfigService({ phases: MEDIA_PHASE_SCHEMAS, store: new SQLiteSettingsStore({ filename: p.dbFile }) });
    const other = new JobQueue({
      storage: new SQLiteJobQueueStorage({ filename: p.dbFile }),
      concurrency: 3,
      logger: pino({ level: 'silent' }),
      phases,
    });
    const media = createMediaPlugin({
      filename: p.dbFile,
      provider: new TmdbProvider({ apiKey: p.provider.apiKey, baseUrl: p.provider.baseUrl, imageBaseUrl: p.provider.imageBaseUrl }),
      players: [p.players.kodi.config],
      libraryRoots: [p.library],
    });
    await other.use(media);
    const otherStarted: string[] = [];
    other.on('job:started', ({ job }) => otherStarted.push(job.type));
    await other.start();
    cleanups.push(async () => {
      await other.stop({ timeoutMs: 5000 });
      await phases.close();
      media.close();
    });

    const syncsBefore = p.started.length;
    p.players.kodi.onRpc = () => sleep(2);
    const movies = p.media.movies.list();
    for (let i = 0; i < 1000; i++) {
      const movie = movies[i % movies.length]!;
      await publishAndJoin(i % 2 === 0 ? p.queue : other, p, movie.id);
      if (i % 25 === 0) await sleep(3);
    }
    await p.idle();
    await sleep(50);
    await p.idle();

    // None lost: Kodi confirmed each movie's latest publish.
    expect(isEmptyPlan(p.media.syncs.planFor('kodi'))).toBe(true);
    for (const movie of p.media.movies.list()) expect(p.media.syncs.isUnconfirmed('kodi', movie.id)).toBe(false);
    // A handful of syncs, not 1,000: each one covers every publish that waited for it.
    const syncRuns = p.started.length - syncsBefore + otherStarted.filter((t) => t === 'notify-kodi').length;
    expect(syncRuns).toBeGreaterThan(0);
    expect(syncRuns).toBeLessThanOrEqual(30);
    const refreshes = p.players.kodi.rpcCalls().filter((c) => c.method === 'VideoLibrary.RefreshMovie').length;
    expect(refreshes).toBeLessThanOrEqual(syncRuns * movies.length);
    expect(p.failed).toEqual([]);
    console.log(`[player sync] 1000 publishes from two queues: ${syncRuns} sync runs, ${refreshes} RefreshMovie calls`);
  });
});

describe('player sync: one at a time per player', () => {
  it('a sync enqueued for a generation a newer sync has passed makes no call, and hands what is left to the current one', async () => {
    pipeline = await startPipeline({ movies: makeProviderMovies(2), players: (players) => [players.kodi.config] });
    const p = pipeline;
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library } });
    await p.idle();
    const passed = p.media.syncs.generation('kodi') - 1;
    const [movie] = p.media.movies.list();
    p.players.kodi.requests.length = 0;

    // Nothing left to do: it completes at once, without a word to Kodi.
    const idle = await p.queue.addJob({ type: 'notify-kodi', payload: { player: 'kodi', generation: passed } });
    await p.idle();
    expect(p.done('notify-kodi').find((o) => o.job.id === idle)?.result).toMatchObject({
      notified: false,
      followUpJobId: null,
      requests: 0,
    });
    expect(p.players.kodi.requests).toEqual([]);

    // Something left (a publish it stood for): the current generation's sync does it.
    p.media.movies.markPublished(movie!.id);
    const late = await p.queue.addJob({ type: 'notify-kodi', payload: { player: 'kodi', generation: passed } });
    await p.idle();
    const handedTo = (p.done('notify-kodi').find((o) => o.job.id === late)?.result as NotifyPlayerResult).followUpJobId;
    expect(handedTo).toEqual(expect.any(String));
    const current = p.done('notify-kodi').find((o) => o.job.id === handedTo);
    expect(current?.job.payload).toMatchObject({ player: 'kodi', generation: passed + 1 });
    expect(current?.result).toMatchObject({ notified: true, refreshed: 1 });
    expect(isEmptyPlan(p.media.syncs.planFor('kodi'))).toBe(true);
  });
});

describe('player sync: changes and deletions travel', () => {
  it('a rescan that finds a movie gone has Kodi remove it, Jellyfin told Deleted and Plex scan the folder that held it', async () => {
    const catalogue = makeProviderMovies(2);
    pipeline = await startPipeline({ movies: catalogue });
    const p = pipeline;
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library } });
    await p.idle();
    expect(p.players.kodi.library.list()).toHaveLength(2);
    p.players.jellyfin.requests.length = 0;
    p.players.plex.requests.length = 0;

    const gone = path.join(p.library, folderOf(catalogue[0]!));
    rmSync(gone, { recursive: true });
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library } });
    await p.idle();
    const scan = p.done('scan-movie').at(-1)!.result as { removed: number; playerSyncJobIds: string[] };
    expect(scan.removed).toBe(1);
    expect(scan.playerSyncJobIds).toHaveLength(3);
    expect(p.players.kodi.library.list().map((m) => m.title)).toEqual(['Movie 002']);
    expect(results(p).at(-1)).toMatchObject({ removed: 1, added: 0, missing: [] });
    expect(p.players.kodi.rpcCalls().filter((c) => c.method === 'VideoLibrary.RemoveMovie')).toHaveLength(1);
    const updates = p.players.jellyfin.requests.flatMap((r) => (r.body as { Updates: unknown[] }).Updates);
    expect(updates).toEqual([{ Path: gone, UpdateType: 'Deleted' }]);
    expect(p.players.plex.requests.map((r) => r.query['path'])).toEqual([p.library]);
    expect(p.failed).toEqual([]);
  });

  it('a re-publish with a changed NFO is an update: Kodi refreshes the movie, Jellyfin is told Modified', async () => {
    const catalogue = makeProviderMovies(1);
    pipeline = await startPipeline({ movies: catalogue });
    const p = pipeline;
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library } });
    await p.idle();
    p.players.jellyfin.requests.length = 0;
    const before = p.players.kodi.library.list()[0]!;

    // An English-language movie: TMDB's title is its original title.
    catalogue[0]!.title = catalogue[0]!.originalTitle = 'Movie 001: The Return';
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library, refresh: true } });
    await p.idle();
    const after = p.players.kodi.library.list();
    expect(after.map((m) => m.title)).toEqual(['Movie 001: The Return']);
    expect(after[0]!.movieid).not.toBe(before.movieid);
    expect(results(p).at(-1)).toMatchObject({ refreshed: 1, added: 0 });
    const updates = p.players.jellyfin.requests.flatMap((r) => (r.body as { Updates: { UpdateType: string }[] }).Updates);
    expect(updates.map((u) => u.UpdateType)).toEqual(['Modified']);
  });

  it('a refresh that changes nothing re-publishes nothing and tells no player anything', async () => {
    pipeline = await startPipeline({ movies: makeProviderMovies(2) });
    const p = pipeline;
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library } });
    await p.idle();
    const syncs = p.done('notify-kodi').length + p.done('notify-jellyfin').length + p.done('notify-plex').length;
    p.players.reset();
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library, refresh: true } });
    await p.idle();
    expect(p.done('enrich-metadata')).toHaveLength(4);
    expect(
      p
        .done('publish')
        .slice(2)
        .map((o) => (o.result as { changed: boolean; notifyJobIds: string[] }).notifyJobIds),
    ).toEqual([[], []]);
    expect(p.done('notify-kodi').length + p.done('notify-jellyfin').length + p.done('notify-plex').length).toBe(syncs);
    expect(p.players.requests).toEqual([]);
  });
});

describe('player sync: never done before Kodi holds it', () => {
  it('a scan Kodi drops fails the attempt with the movies it lacks; the retry completes it', async () => {
    pipeline = await startPipeline({ movies: makeProviderMovies(2), players: (players) => [players.kodi.config] });
    const p = pipeline;
    p.players.kodi.library.dropScans(1);
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library } });
    await p.idle();
    const failedAttempts = p.retries.filter((r) => r.job.type === 'notify-kodi');
    expect(failedAttempts.length).toBeGreaterThanOrEqual(1);
    expect(failedAttempts[0]!.error).toMatchObject({ code: 'PLAYER_SYNC_INCOMPLETE', player: 'kodi' });
    expect(failedAttempts[0]!.error.message).toMatch(/not as published after the sync/);
    expect(results(p).reduce((n, r) => n + r.added, 0)).toBe(2);
    expect(p.players.kodi.library.list()).toHaveLength(2);
    expect(p.failed).toEqual([]);
  });

  it('with notifications off no call is made and nothing is confirmed; once on, the next sync tells everything', async () => {
    pipeline = await startPipeline({ movies: makeProviderMovies(2), players: (players) => [players.kodi.config] });
    const p = pipeline;
    await p.phases.set('playerSync.notify', false);
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library } });
    await p.idle();
    expect(results(p).every((r) => !r.notified && r.added === 0)).toBe(true);
    expect(p.players.kodi.requests).toEqual([]);
    expect(p.media.syncs.planFor('kodi').added).toHaveLength(2);

    await p.phases.set('playerSync.notify', true);
    const id = await p.queue.addJob({ type: 'notify-kodi', payload: { player: 'kodi' } });
    await p.idle();
    expect(p.done('notify-kodi').find((o) => o.job.id === id)?.result).toMatchObject({ notified: true, added: 2, missing: [] });
  });

  it('an unmatched movie is enriched and published once, not again on an unchanged rescan', async () => {
    pipeline = await startPipeline({ movies: makeProviderMovies(1), folders: ['Nobody Knows This (2020)'] });
    const p = pipeline;
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library } });
    await p.idle();
    expect(p.done('publish')).toHaveLength(1);
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library } });
    await p.idle();
    expect(p.done('scan-movie').at(-1)!.result).toMatchObject({ unchanged: 1, enqueued: 0 });
    expect(p.done('enrich-metadata')).toHaveLength(1);
    expect(p.done('publish')).toHaveLength(1);
  });
});

describe('player sync: the delay', () => {
  it('publishes during the delay join the one pending sync', async () => {
    pipeline = await startPipeline({ movies: makeProviderMovies(3), players: (players) => [players.kodi.config] });
    const p = pipeline;
    await p.phases.set('playerSync.delaySeconds', 1);
    await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library } });
    await p.idle();
    expect(p.done('notify-kodi')).toHaveLength(1);
    expect(results(p)[0]).toMatchObject({ added: 3 });
  });
});
