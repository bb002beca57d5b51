/**
 * The media pipeline as a user runs it, for the real-Kodi tests: a library of real clips
 * (movies, or TV shows), a local catalogue with artwork and actor photos (LocalProvider),
 * one SQLite file built by the real migrations, and a started queue with the media plugin
 * whose only player is the test's Kodi.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { createMediaPlugin, type MediaPlugin } from '../../../src/media/plugin.js';
import { LocalProvider } from '../../../src/media/providers/LocalProvider.js';
import type { LocalCatalogueInput } from '../../../src/media/providers/localCatalogue.js';
import type { KodiPlayerConfig, PathMapping, PlayerConfig } from '../../../src/media/types.js';
import { PhaseConfigService } from '../../../src/phases/PhaseConfigService.js';
import { JobQueue } from '../../../src/JobQueue.js';
import { SQLiteSettingsStore } from '../../../src/backends/sqlite/settings.js';
import { SQLiteJobQueueStorage } from '../../../src/backends/sqlite/storage.js';
import type { Job } from '../../../src/types.js';
import type { MediaFixtures } from './fixtures.js';
import { MEDIA_PHASE_SCHEMAS } from '../../../src/media/phases.js';

/** A catalogue input whose movie list is always there (the tests edit it). */
export type MovieCatalogueInput = LocalCatalogueInput & { movies: NonNullable<LocalCatalogueInput['movies']> };

/** One movie of a test library, as the catalogue describes it. */
export interface LibraryMovie {
  id: string;
  title: string;
  year: number;
  plot: string;
  folder: string;
  videoFile: string;
}

/** A library folder of real clips and the catalogue that describes them. */
export interface CatalogueLibrary {
  library: string;
  catalogueFile: string;
  movies: LibraryMovie[];
  /** Writes the catalogue again (after editing `catalogue`). */
  save(): void;
  catalogue: MovieCatalogueInput;
  /** Adds one more movie folder with its clip and catalogue entry. */
  addMovie(title: string, year: number): LibraryMovie;
}

/**
 * Creates `<dir>/movies` with `count` movie folders ("Burst Movie 001 (2001)/Burst Movie
 * 001.mp4", a real 1 s clip) and `<dir>/catalogue.json` describing each: title, plot,
 * poster, fanart and one actor with a photo (the fixtures' JPEGs).
 */
export function makeCatalogueLibrary(dir: string, fixtures: MediaFixtures, count: number, prefix = 'Burst Movie'): CatalogueLibrary {
  const library = path.join(dir, 'movies');
  const catalogueFile = path.join(dir, 'catalogue.json');
  mkdirSync(library, { recursive: true });
  const catalogue: MovieCatalogueInput = { version: 1, movies: [] };
  const movies: LibraryMovie[] = [];
  const addMovie = (title: string, year: number): LibraryMovie => {
    const id = `m${movies.length + 1}`;
    const folder = path.join(library, `${title} (${year})`);
    const videoFile = path.join(folder, `${title}.mp4`);
    mkdirSync(folder, { recursive: true });
    copyFileSync(fixtures.clip, videoFile);
    const plot = `${title} is movie number ${movies.length + 1} of the test library. It has a plot & a <tagline>.`;
    catalogue.movies.push({
      id,
      title,
      originalTitle: `${title} (original)`,
      year,
      plot,
      rating: 7.5,
      votes: 120,
      genres: ['Drama'],
      providerIds: { tmdb: String(90_000 + movies.length + 1) },
      cast: [{ name: `Actor ${id.toUpperCase()}`, role: 'Lead', thumb: fixtures.actor }],
      artwork: [
        { kind: 'poster', url: fixtures.poster, language: 'en', width: 1000, height: 1500 },
        { kind: 'fanart', url: fixtures.fanart, width: 1920, height: 1080 },
      ],
    });
    const movie = { id, title, year, plot, folder, videoFile };
    movies.push(movie);
    return movie;
  };
  for (let i = 1; i <= count; i++) addMovie(`${prefix} ${String(i).padStart(3, '0')}`, 2000 + (i % 20));
  const save = (): void => writeFileSync(catalogueFile, JSON.stringify(catalogue, null, 2));
  save();
  return {
    library,
    catalogueFile,
    movies,
    catalogue,
    save,
    addMovie: (title, year) => {
      const movie = addMovie(title, year);
      save();
      return movie;
    },
  };
}

/** A completed or failed job, as the queue's events reported it. */
export interface JobOutcome {
  job: Job;
  result?: unknown;
  error?: Error;
  at: number;
}

/** The started pipeline. */
export interface MediaPipeline {
  queue: JobQueue;
  media: MediaPlugin;
  phases: PhaseConfigService;
  completed: JobOutcome[];
  failed: JobOutcome[];
  /** Failed attempts that will run again. */
  retries: JobOutcome[];
  /** Every attempt started: type and time. */
  started: { job: Job; at: number }[];
  /** Resolves when no job is pending, delayed or running (checked every 100 ms). */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link startMediaPipeline}. */
export interface MediaPipelineOptions {
  dir: string;
  /** The `movies` library. */
  library?: string;
  catalogueFile: string;
  players: PlayerConfig[];
  /** More `movies` library folders besides `library`. */
  extraLibraryRoots?: string[];
  /** `tvshows` library folders. */
  tvLibraries?: string[];
  /** @default 4 */
  concurrency?: number;
  /** @default 5 */
  maxRetries?: number;
  /** Retry delay. @default 500 */
  retryDelayMs?: number;
}

/** Starts the queue with the media plugin; the scan phase accepts any file size (the clips are tiny). */
export async function startMediaPipeline(options: MediaPipelineOptions): Promise<MediaPipeline> {
  const filename = path.join(options.dir, 'phaseq.db');
  const phases = new PhaseConfigService({ phases: MEDIA_PHASE_SCHEMAS, store: new SQLiteSettingsStore({ filename }) });
  await phases.set('scan.minFileSizeMB', 0);
  const queue = new JobQueue({
    storage: new SQLiteJobQueueStorage({ filename }),
    concurrency: options.concurrency ?? 4,
    logger: pino({ level: process.env['PHASEQ_TEST_LOG'] ?? 'silent' }),
    maxRetries: options.maxRetries ?? 5,
    backoff: { type: 'fixed', delayMs: options.retryDelayMs ?? 500 },
    phases,
  });
  const media = createMediaPlugin({
    filename,
    provider: new LocalProvider({ cataloguePath: options.catalogueFile }),
    players: options.players,
    libraryRoots: [
      ...(options.library === undefined ? [] : [options.library]),
      ...(options.extraLibraryRoots ?? []),
      ...(options.tvLibraries ?? []).map((tv) => ({ path: tv, kind: 'tvshows' as const })),
    ],
  });
  await queue.use(media);
  const completed: JobOutcome[] = [];
  const failed: JobOutcome[] = [];
  const retries: JobOutcome[] = [];
  const started: { job: Job; at: number }[] = [];
  queue.on('job:started', ({ job }) => started.push({ job, at: Date.now() }));
  queue.on('job:completed', ({ job, result }) => completed.push({ job, result, at: Date.now() }));
  queue.on('job:failed', ({ job, error }) => failed.push({ job, error, at: Date.now() }));
  queue.on('job:retrying', ({ job, error }) => retries.push({ job, error, at: Date.now() }));
  await queue.start();
  return {
    queue,
    media,
    phases,
    completed,
    failed,
    retries,
    started,
    async idle(timeoutMs = 240_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const stats = await queue.getStats();
        if (stats.pending + stats.delayed + stats.processing === 0) return;
        if (Date.now() > deadline) throw new Error(`pipeline not idle after ${timeoutMs} ms: ${JSON.stringify(stats)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      await queue.stop({ timeoutMs: 10_000 });
      await phases.close();
      media.close();
    },
  };
}

/** The player config of a test Kodi (named `kodi`), with an optional path mapping. */
export function kodiPlayer(kodi: { url: string; username: string; password: string }, pathMap?: PathMapping[]): KodiPlayerConfig {
  return {
    kind: 'kodi',
    name: 'kodi',
    url: kodi.url,
    auth: { username: kodi.username, password: kodi.password },
    ...(pathMap ? { pathMap } : {}),
  };
}
