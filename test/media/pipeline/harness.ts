/**
 * A whole media pipeline for end-to-end tests: a temp library of real files, one SQLite
 * file built by the real migrations (queue, settings and media tables), the fake TMDB
 * and fake players on 127.0.0.1, and a started queue with the media plugin.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { createMediaPlugin, type MediaPlugin } from '../../../src/media/plugin.js';
import { TmdbProvider } from '../../../src/media/providers/TmdbProvider.js';
import type { MetadataProvider, PlayerConfig } from '../../../src/media/types.js';
import { PhaseConfigService } from '../../../src/phases/PhaseConfigService.js';
import { JobQueue } from '../../../src/JobQueue.js';
import { SQLiteSettingsStore } from '../../../src/backends/sqlite/settings.js';
import { SQLiteJobQueueStorage } from '../../../src/backends/sqlite/storage.js';
import type { Job } from '../../../src/types.js';
import { startFakePlayers, type FakePlayers } from '../support/fakePlayers.js';
import { makeProviderMovies, startProviderServer, type ProviderServer, type ProviderServerMovie } from '../support/providerServer.js';
import { MEDIA_PHASE_SCHEMAS } from '../../../src/media/phases.js';

/** Options of {@link startPipeline}. */
export interface PipelineOptions {
  /** Movies the provider knows. @default makeProviderMovies(3) */
  movies?: ProviderServerMovie[];
  /** Folder names to create in the library, each with one video file. @default one per provider movie */
  folders?: string[];
  /** @default 3 */
  concurrency?: number;
  /** @default all three fake players; `__LIBRARY__` in a pathMap `from` becomes the library folder */
  players?: (players: FakePlayers) => PlayerConfig[];
  /** Retries after the first attempt. @default 3 */
  maxRetries?: number;
  /** Wraps the TMDB provider, e.g. to make something happen while a lookup is in flight. */
  wrapProvider?: (provider: MetadataProvider) => MetadataProvider;
  /** @default a silent pino logger */
  logger?: Logger;
}

/** A completed job as seen through the queue's events. */
export interface Outcome {
  job: Job;
  result: unknown;
}

/** A failed attempt (retrying) or a failed job, as seen through the queue's events. */
export interface Failure {
  job: Job;
  error: Error;
}

/** A running pipeline. */
export interface Pipeline {
  dir: string;
  library: string;
  dbFile: string;
  queue: JobQueue;
  media: MediaPlugin;
  phases: PhaseConfigService;
  provider: ProviderServer;
  players: FakePlayers;
  completed: Outcome[];
  failed: Failure[];
  /** Resolves when no job is pending, delayed or running. */
  idle(): Promise<void>;
  /** Completed jobs of one type. */
  done(type: string): Outcome[];
  /** Ids of every attempt started, in order (a job id twice means it ran twice). */
  started: string[];
  /** Retries seen: job and error of each failed attempt that will run again. */
  retries: Failure[];
  /** Resolves once `condition()` holds (checked every 20 ms). */
  until(condition: () => boolean): Promise<void>;
  close(): Promise<void>;
}

/** Folder name of a provider movie: "Movie 001 (1990)". */
export function folderOf(movie: ProviderServerMovie): string {
  return `${movie.title} (${movie.year})`;
}

/** Creates `<library>/<folder>/<file>` with a few bytes of content. */
export function addVideo(library: string, folder: string, file = `${folder.replace(/[ ()]+/g, '.').replace(/\.$/, '')}.1080p.mkv`): string {
  const target = path.join(library, folder, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, `video of ${folder}`);
  return target;
}

/** Starts everything; the scan phase accepts any file size so the videos can be tiny. */
export async function startPipeline(options: PipelineOptions = {}): Promise<Pipeline> {
  const dir = mkdtempSync(path.join(tmpdir(), 'phaseq-media-'));
  const library = path.join(dir, 'library');
  mkdirSync(library);
  const dbFile = path.join(dir, 'phaseq.db');
  const movies = options.movies ?? makeProviderMovies(3);
  for (const folder of options.folders ?? movies.map(folderOf)) addVideo(library, folder);

  const provider = await startProviderServer(movies);
  const players = await startFakePlayers();
  const phases = new PhaseConfigService({ phases: MEDIA_PHASE_SCHEMAS, store: new SQLiteSettingsStore({ filename: dbFile }) });
  await phases.set('scan.minFileSizeMB', 0);
  const queue = new JobQueue({
    storage: new SQLiteJobQueueStorage({ filename: dbFile }),
    concurrency: options.concurrency ?? 3,
    logger: options.logger ?? pino({ level: 'silent' }),
    maxRetries: options.maxRetries ?? 3,
    backoff: { type: 'fixed', delayMs: 20 },
    phases,
  });
  const media = createMediaPlugin({
    filename: dbFile,
    provider: (options.wrapProvider ?? ((p) => p))(new TmdbProvider({ apiKey: provider.apiKey, baseUrl: provider.baseUrl })),
    // `__LIBRARY__` in a player's pathMap stands for the library folder, unknown to the caller.
    players: (options.players ? options.players(players) : players.configs).map((player) => ({
      ...player,
      ...(player.pathMap ? { pathMap: player.pathMap.map((m) => ({ ...m, from: m.from.replace('__LIBRARY__', library) })) } : {}),
    })),
    libraryRoots: [library],
  });
  await queue.use(media);

  const completed: Outcome[] = [];
  const failed: Failure[] = [];
  const started: string[] = [];
  const retries: Failure[] = [];
  queue.on('job:started', ({ job }) => started.push(job.id));
  queue.on('job:retrying', ({ job, error }) => retries.push({ job, error }));
  let waiters: (() => void)[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  const check = async (): Promise<void> => {
    if (waiters.length === 0 || closed) return;
    const stats = await queue.getStats();
    if (stats.pending + stats.delayed + stats.processing === 0) {
      const ready = waiters;
      waiters = [];
      for (const resolve of ready) resolve();
    }
  };
  queue.on('job:completed', ({ job, result }) => {
    completed.push({ job, result });
    void check();
  });
  queue.on('job:failed', ({ job, error }) => {
    failed.push({ job, error });
    void check();
  });
  await queue.start();

  return {
    dir,
    library,
    dbFile,
    queue,
    media,
    phases,
    provider,
    players,
    completed,
    failed,
    idle: () =>
      new Promise<void>((resolve) => {
        // Job events trigger the check; the interval covers a completion recorded just after its event.
        const timer = setInterval(() => void check(), 25);
        timers.add(timer);
        waiters.push(() => {
          clearInterval(timer);
          timers.delete(timer);
          resolve();
        });
        void check();
      }),
    done: (type) => completed.filter((o) => o.job.type === type),
    started,
    retries,
    until: (condition) =>
      new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (!condition()) return;
          clearInterval(timer);
          timers.delete(timer);
          resolve();
        }, 20);
        timers.add(timer);
      }),
    async close() {
      closed = true;
      for (const timer of timers) clearInterval(timer);
      await queue.stop({ timeoutMs: 5000 });
      media.close();
      await provider.close();
      await players.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
