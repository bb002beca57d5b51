/**
 * Player syncs across real processes: two worker processes run the syncs of one player
 * from one SQLite file while this process publishes 1,000 times (stamp the movie, join the
 * player's pending sync, as publish does). None may be lost, and they must make a handful
 * of syncs, not 1,000. Kodi is the fake (its library is read back like a real one's).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { JobQueue, PhaseConfigService, SQLiteJobQueueStorage, SQLiteSettingsStore } from '../../src/index.js';
import { createMediaPlugin, isEmptyPlan, LocalProvider, playerSyncKey } from '../../src/media/index.js';
import { startFakePlayers, type FakePlayers } from '../media/support/fakePlayers.js';
import { makeTempDir, sleep, waitFor } from '../support/tmp.js';
import { MEDIA_PHASE_SCHEMAS } from '../../src/media/phases.js';

const WORKER = join(import.meta.dirname, '../fixtures/media-sync-worker.ts');

interface SyncEvent {
  event: string;
  id: string;
  type: string;
  at: number;
  result?: { added: number; refreshed: number };
}

describe('player syncs across processes', () => {
  const children: ChildProcess[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    children.length = 0;
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('1,000 publishes while two processes sync make a handful of syncs, and Kodi confirms the last publish of every movie', async () => {
    const tmp = makeTempDir();
    cleanups.push(tmp.cleanup);
    const db = join(tmp.dir, 'phaseq.db');
    const library = join(tmp.dir, 'movies');
    const players: FakePlayers = await startFakePlayers();
    cleanups.push(() => players.close());
    players.kodi.onRpc = () => sleep(2);

    // This process only enqueues: the plugin gives it the tables and the job schemas.
    const catalogue = join(tmp.dir, 'catalogue.json');
    writeFileSync(catalogue, JSON.stringify({ version: 1, movies: [] }));
    const phases = new PhaseConfigService({ phases: MEDIA_PHASE_SCHEMAS, store: new SQLiteSettingsStore({ filename: db }) });
    const queue = new JobQueue({ storage: new SQLiteJobQueueStorage({ filename: db }), phases, logger: pino({ level: 'silent' }) });
    const media = createMediaPlugin({
      filename: db,
      provider: new LocalProvider({ cataloguePath: catalogue }),
      players: [players.kodi.config],
    });
    await queue.use(media);
    cleanups.push(async () => {
      await phases.close();
      media.close();
    });
    const ids: number[] = [];
    for (let i = 1; i <= 20; i++) {
      const folder = join(library, `Movie ${i} (2001)`);
      mkdirSync(folder, { recursive: true });
      const videoFile = join(folder, `Movie ${i}.mkv`);
      writeFileSync(videoFile, 'video');
      writeFileSync(join(folder, `Movie ${i}.nfo`), `<movie><title>Movie ${i}</title></movie>`);
      ids.push(
        media.movies.upsertScanned({
          libraryPath: library,
          path: folder,
          videoFile,
          title: `Movie ${i}`,
          year: 2001,
          fileSize: 5,
          mtime: 1,
        }).id,
      );
    }

    const events: SyncEvent[] = [];
    const logs: Record<string, unknown>[] = [];
    for (let n = 0; n < 2; n++) {
      const child = spawn(process.execPath, ['--import', 'tsx', WORKER, db, JSON.stringify([players.kodi.config]), '3', catalogue], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      const lineReader = (into: (line: Record<string, unknown>) => void) => {
        let buffer = '';
        return (chunk: Buffer): void => {
          buffer += chunk.toString();
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          for (const line of lines) if (line.startsWith('{')) into(JSON.parse(line) as Record<string, unknown>);
        };
      };
      child.stdout.on(
        'data',
        lineReader((line) => events.push(line as unknown as SyncEvent)),
      );
      child.stderr.on(
        'data',
        lineReader((line) => logs.push(line)),
      );
    }
    await waitFor(() => events.filter((e) => e.event === 'ready').length === 2, 30_000, 'two workers');

    for (let i = 0; i < 1000; i++) {
      media.movies.markPublished(ids[i % ids.length]!);
      const generation = media.syncs.generation('kodi');
      await queue.addJob({
        type: 'notify-kodi',
        payload: { player: 'kodi', generation },
        dedupeKey: playerSyncKey('notify-kodi', 'kodi', generation),
      });
      if (i % 10 === 0) await sleep(10);
    }
    await waitFor(
      async () => {
        const s = await queue.getStats();
        return s.pending + s.processing + s.delayed === 0;
      },
      60_000,
      'the syncs to finish',
    );

    // None lost: Kodi confirmed every movie's last publish, and holds all 20.
    expect(isEmptyPlan(media.syncs.planFor('kodi'))).toBe(true);
    expect(players.kodi.library.list()).toHaveLength(20);
    const runs = events.filter((e) => e.event === 'start' && e.type === 'notify-kodi');
    const ends = events.filter((e) => e.event === 'end' && e.type === 'notify-kodi');
    expect(ends.reduce((n, e) => n + (e.result?.added ?? 0), 0)).toBe(20);
    // A handful of syncs, not 1,000, spread over both processes' workers.
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.length).toBeLessThanOrEqual(30);
    // Never two syncs talking to the player at once: from the first call to the last, as
    // each job logged it, no two intervals overlap (jobs of a passed generation make none).
    const talk = new Map<string, { from: number; to: number }>();
    for (const line of logs) {
      const id = String(line['jobId']);
      if (line['msg'] === 'notify: syncing player') talk.set(id, { from: Number(line['time']), to: Infinity });
      if (line['msg'] === 'notify: player synced') talk.get(id)!.to = Number(line['time']);
    }
    const intervals = [...talk.values()].sort((a, b) => a.from - b.from);
    expect(intervals.length).toBeGreaterThan(0);
    for (let i = 1; i < intervals.length; i++) expect(intervals[i]!.from).toBeGreaterThanOrEqual(intervals[i - 1]!.to);
    const passed = logs.filter((l) => l['msg'] === 'notify: a newer sync passed this one, no call made').length;
    console.log(
      `[player sync] 1000 publishes, 2 processes: ${runs.length} sync runs (${intervals.length} talked to Kodi, ${passed} found their generation passed)`,
    );
  });
});
