/**
 * A whole TV pipeline for end-to-end tests: a temp `tvshows` library of real (tiny) video
 * files, a local catalogue with a `series` section and real image files, one SQLite file
 * built by the real migrations, the fake players on 127.0.0.1, and a started queue with
 * the media plugin. The standard library is 3 shows × 2 seasons × 5 episodes, with one
 * multi-episode file and one special.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { LocalCatalogueInput } from '../../../src/media/providers/localCatalogue.js';
import { LocalProvider } from '../../../src/media/providers/LocalProvider.js';
import { createMediaPlugin, type MediaPlugin } from '../../../src/media/plugin.js';
import type { LibraryInput } from '../../../src/media/libraries.js';
import type { MetadataProvider } from '../../../src/media/types.js';
import { PhaseConfigService } from '../../../src/phases/PhaseConfigService.js';
import { JobQueue } from '../../../src/JobQueue.js';
import { SQLiteSettingsStore } from '../../../src/backends/sqlite/settings.js';
import { SQLiteJobQueueStorage } from '../../../src/backends/sqlite/storage.js';
import type { Job } from '../../../src/types.js';
import { startFakePlayers, type FakePlayers } from '../support/fakePlayers.js';
import { makeJpeg, makePng } from '../support/images.js';
import { MEDIA_PHASE_SCHEMAS } from '../../../src/media/phases.js';

/** One show of the standard library: its folder, catalogue id and files per season folder. */
export interface ShowSpec {
  id: string;
  title: string;
  year: number;
  folder: string;
  /** Season folder name → video file names in it. */
  files: Record<string, string[]>;
}

const five = (prefix: string, season: number): string[] =>
  [1, 2, 3, 4, 5].map((e) => `${prefix}.S${String(season).padStart(2, '0')}E${String(e).padStart(2, '0')}.1080p.WEB.mkv`);

/** 3 shows × 2 seasons × 5 episodes; Alpha's S01E04 and S01E05 share one file, and Alpha has one special. */
export const STANDARD_SHOWS: ShowSpec[] = [
  {
    id: '1001',
    title: 'Alpha Show',
    year: 2010,
    folder: 'Alpha Show (2010)',
    files: {
      'Season 01': [...five('Alpha.Show', 1).slice(0, 3), 'Alpha.Show.S01E04E05.1080p.WEB.mkv'],
      'Season 02': five('Alpha.Show', 2),
      Specials: ['Alpha.Show.S00E01.Making.Of.mkv'],
    },
  },
  {
    id: '1002',
    title: 'Beta Show',
    year: 2015,
    folder: 'Beta Show (2015)',
    files: { 'Season 01': five('Beta.Show', 1), 'Season 02': five('Beta.Show', 2) },
  },
  {
    id: '1003',
    title: 'Gamma Show',
    year: 2020,
    folder: 'Gamma Show (2020)',
    files: { 'Season 01': five('Gamma.Show', 1), 'Season 02': five('Gamma.Show', 2) },
  },
];

/** Title of an episode in the catalogue. */
export function episodeTitle(show: string, season: number, episode: number): string {
  return `${show} ${season}x${String(episode).padStart(2, '0')}`;
}

/**
 * The catalogue of the standard shows, with local artwork files under `<dir>/art`. Each
 * season has 6 episodes (one more than on disk, as a provider usually knows more), and
 * Alpha has a special.
 */
export function writeTvCatalogue(dir: string, shows: readonly ShowSpec[] = STANDARD_SHOWS): string {
  const art = path.join(dir, 'art');
  mkdirSync(art, { recursive: true });
  writeFileSync(path.join(art, 'poster.jpg'), makeJpeg(1000, 1500));
  writeFileSync(path.join(art, 'fanart.jpg'), makeJpeg(1920, 1080));
  writeFileSync(path.join(art, 'logo.png'), makePng(800, 310));
  writeFileSync(path.join(art, 'season.jpg'), makeJpeg(680, 1000));
  writeFileSync(path.join(art, 'still.jpg'), makeJpeg(1280, 720));
  writeFileSync(path.join(art, 'actor.jpg'), makeJpeg(300, 450));
  const catalogue: LocalCatalogueInput = {
    version: 1,
    series: shows.map((show) => ({
      id: show.id,
      title: show.title,
      year: show.year,
      premiered: `${show.year}-09-01`,
      plot: `${show.title} is about things & <people>.`,
      status: 'Ended',
      genres: ['Drama'],
      studios: ['Network One'],
      certification: 'TV-14',
      rating: 8.5,
      votes: 1200,
      providerIds: { tmdb: show.id, tvdb: `9${show.id}`, imdb: `tt000${show.id}` },
      cast: [{ name: `${show.title} Lead`, role: 'Hero', thumb: 'art/actor.jpg' }],
      artwork: [
        { kind: 'poster', url: 'art/poster.jpg', language: 'en', width: 1000, height: 1500 },
        { kind: 'fanart', url: 'art/fanart.jpg', width: 1920, height: 1080 },
        { kind: 'clearlogo', url: 'art/logo.png', language: 'en', width: 800, height: 310 },
      ],
      seasons: [0, 1, 2]
        .filter((n) => n !== 0 || show.id === '1001')
        .map((n) => ({
          number: n,
          name: n === 0 ? 'Specials' : `Season ${n}`,
          premiered: `${show.year + Math.max(n - 1, 0)}-09-01`,
          artwork: [{ kind: 'poster', url: 'art/season.jpg', language: 'en', width: 680, height: 1000 }],
          episodes: (n === 0 ? [1] : [1, 2, 3, 4, 5, 6]).map((e) => ({
            number: e,
            title: episodeTitle(show.title, n, e),
            plot: `Episode ${e} of season ${n} of ${show.title}.`,
            aired: `${show.year + Math.max(n - 1, 0)}-09-${String(e + 1).padStart(2, '0')}`,
            runtimeMinutes: 42,
            providerIds: { tmdb: `${show.id}${n}${e}` },
            directors: ['Dee Rector'],
            writers: ['Ray Iter'],
            guestStars: [{ name: 'Guest Star', role: `Guest ${e}` }],
            thumbs: [{ url: 'art/still.jpg', width: 1280, height: 720 }],
          })),
        })),
    })),
  };
  const file = path.join(dir, 'catalogue.json');
  writeFileSync(file, JSON.stringify(catalogue, null, 2));
  return file;
}

/** Creates a tiny video file (and its folders). */
export function addVideo(file: string, content = `video ${path.basename(file)}`): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

/** Creates the standard shows' videos under `library`; returns every video path. */
export function writeTvLibrary(library: string, shows: readonly ShowSpec[] = STANDARD_SHOWS): string[] {
  const videos: string[] = [];
  for (const show of shows) {
    for (const [season, files] of Object.entries(show.files)) {
      for (const file of files) videos.push(addVideo(path.join(library, show.folder, season, file)));
    }
  }
  return videos;
}

/** Every file below `dir`, relative, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

/** A completed job as seen through the queue's events. */
export interface Outcome {
  job: Job;
  result: unknown;
}

/** A running TV pipeline. */
export interface TvPipeline {
  dir: string;
  /** The `tvshows` library. */
  tv: string;
  /** A `movies` library beside it. */
  movies: string;
  cataloguePath: string;
  queue: JobQueue;
  media: MediaPlugin;
  phases: PhaseConfigService;
  players: FakePlayers;
  completed: Outcome[];
  failed: { job: Job; error: Error }[];
  /** Completed jobs of one type. */
  done(type: string): Outcome[];
  /** Resolves when no job is pending, delayed or running. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link startTvPipeline}. */
export interface TvPipelineOptions {
  /** Write the standard library. @default true */
  library?: boolean;
  /** The plugin's libraries. @default the TV library as `tvshows`, the movie library as `movies` */
  libraries?: (dirs: { tv: string; movies: string }) => LibraryInput[];
  /** Wraps the catalogue provider. */
  wrapProvider?: (provider: MetadataProvider) => MetadataProvider;
  /** Another provider instead of the catalogue (the fake TMDB's). */
  provider?: MetadataProvider;
  /** The folder (libraries, catalogue, database) of a closed pipeline, to start again on. */
  reuseDir?: string;
}

/** Starts everything; the scan accepts any file size so the videos can be tiny. */
export async function startTvPipeline(options: TvPipelineOptions = {}): Promise<TvPipeline> {
  const dir = options.reuseDir ?? mkdtempSync(path.join(tmpdir(), 'phaseq-tv-'));
  const tv = path.join(dir, 'tv');
  const movies = path.join(dir, 'movies');
  mkdirSync(tv, { recursive: true });
  mkdirSync(movies, { recursive: true });
  if (options.library !== false) writeTvLibrary(tv);
  const cataloguePath = options.reuseDir ? path.join(dir, 'catalogue', 'catalogue.json') : writeTvCatalogue(path.join(dir, 'catalogue'));
  const dbFile = path.join(dir, 'phaseq.db');
  const players = await startFakePlayers();
  // The fake Kodi reads the TV library as a `tvshows` source, as a real one would be set up.
  players.kodi.library.addTvSource(`${tv}/`);
  const phases = new PhaseConfigService({ phases: MEDIA_PHASE_SCHEMAS, store: new SQLiteSettingsStore({ filename: dbFile }) });
  await phases.set('scan.minFileSizeMB', 0);
  // The catalogue's season posters are 1000 px high and its stills 720 px: the default 720 keeps both.
  const queue = new JobQueue({
    storage: new SQLiteJobQueueStorage({ filename: dbFile }),
    concurrency: 3,
    logger: pino({ level: 'silent' }),
    maxRetries: 2,
    backoff: { type: 'fixed', delayMs: 20 },
    phases,
  });
  const local = new LocalProvider({ cataloguePath });
  const media = createMediaPlugin({
    filename: dbFile,
    provider: (options.wrapProvider ?? ((p) => p))(options.provider ?? local),
    players: players.configs,
    libraryRoots: options.libraries ? options.libraries({ tv, movies }) : [movies, { path: tv, kind: 'tvshows' }],
  });
  await queue.use(media);
  const completed: Outcome[] = [];
  const failed: { job: Job; error: Error }[] = [];
  queue.on('job:completed', ({ job, result }) => completed.push({ job, result }));
  queue.on('job:failed', ({ job, error }) => failed.push({ job, error }));
  await queue.start();
  return {
    dir,
    tv,
    movies,
    cataloguePath,
    queue,
    media,
    phases,
    players,
    completed,
    failed,
    done: (type) => completed.filter((o) => o.job.type === type),
    async idle() {
      for (;;) {
        const stats = await queue.getStats();
        if (stats.pending + stats.delayed + stats.processing === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      await queue.stop({ timeoutMs: 5000 });
      media.close();
      await phases.close();
      await players.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Size and mtime of a file, to tell whether it was rewritten. */
export function fileStamp(file: string): string {
  const info = statSync(file);
  return `${info.size}:${info.mtimeMs}`;
}
