/**
 * The example server's parts: one SQLite file holding jobs, settings, schedules and the
 * media tables; the media pipeline with the catalogue provider for a `movies` and a
 * `tvshows` demo library, the configured players and its three maintenance schedules; the
 * phaseq routers under `/api` (metrics included, and the downloader webhooks when a secret
 * is given); and the dashboard's static files at `/`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { ISO_639_1_CODES, JobQueue, PhaseConfigService, SQLiteJobQueueStorage, SQLiteSettingsStore } from '../../src/index.js';
import {
  createHealthRouter,
  createJobsRouter,
  createMediaRouter,
  createMetricsRouter,
  createPhaseConfigRouter,
  createSchedulesRouter,
  createWebhookRouter,
  notFoundHandler,
  phaseqErrorHandler,
  requireApiKey,
  type RouterOptions,
} from '../../src/express.js';
import { createMediaPlugin, LocalProvider, type MediaPlugin, type PlayerConfig } from '../../src/media/index.js';
import { ensureSampleLibrary, ensureSampleTvLibrary } from './sampleLibrary.js';

/** Options of {@link createExampleApp}. */
export interface ExampleAppOptions {
  /** Folder of the database and the demo library. */
  dataDir: string;
  /** When set, the API needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string | undefined;
  /**
   * When set, `POST /api/webhooks/radarr` and `/api/webhooks/sonarr` accept deliveries
   * carrying this secret (at least 16 characters); without it there are no webhook routes.
   */
  webhookSecret?: string | undefined;
  /**
   * The demo movie library's folder as Radarr sees it (e.g. `/movies` inside its
   * container); its paths under it are mapped to the demo library.
   * @default '/movies'
   */
  webhookLibraryPath?: string | undefined;
  /**
   * The demo TV library's folder as Sonarr sees it; its paths under it are mapped to the
   * demo TV library.
   * @default '/tv'
   */
  webhookTvLibraryPath?: string | undefined;
  /**
   * Media players to keep in sync with the demo libraries (see `players.ts` for the
   * environment variables main.ts reads them from).
   * @default []
   */
  players?: PlayerConfig[] | undefined;
  logger: Logger;
}

/**
 * The media maintenance jobs, run at quiet hours (in the server's time zone): published
 * files are checked every night, movies whose files are gone are dropped weekly, and
 * metadata older than a month is refreshed weekly, in batches so a run stays short.
 */
const MAINTENANCE_SCHEDULES = [
  { name: 'scheduled-verification', cron: '30 3 * * *', payload: (libraryPath: string) => ({ libraryPath }) },
  { name: 'scheduled-cleanup', cron: '0 4 * * 0', payload: (libraryPath: string) => ({ libraryPath }) },
  { name: 'scheduled-provider-update', cron: '0 5 * * 1', payload: () => ({ olderThanDays: 30, limit: 200 }) },
] as const;

/** The running parts, and how to stop them. */
export interface ExampleApp {
  app: Express;
  queue: JobQueue;
  phases: PhaseConfigService;
  media: MediaPlugin;
  /** The demo `movies` library. */
  libraryPath: string;
  /** The demo `tvshows` library. */
  tvLibraryPath: string;
  /** Stops the workers (letting running jobs finish) and closes the database. */
  stop(): Promise<void>;
}

/** Builds the example server's app and starts its queue. */
export async function createExampleApp(options: ExampleAppOptions): Promise<ExampleApp> {
  mkdirSync(options.dataDir, { recursive: true });
  const filename = path.join(options.dataDir, 'phaseq.db');
  const libraryPath = ensureSampleLibrary(path.join(options.dataDir, 'library'));
  const tvLibraryPath = ensureSampleTvLibrary(path.join(options.dataDir, 'tv'));

  const phases = new PhaseConfigService({ store: new SQLiteSettingsStore({ filename }) });
  const queue = new JobQueue({
    storage: new SQLiteJobQueueStorage({ filename }),
    phases,
    logger: options.logger,
    concurrency: 2,
    // Keep failed jobs so that the dashboard can show them and offer a retry.
    retainFailed: true,
  });
  const media = createMediaPlugin({
    filename,
    provider: new LocalProvider({ cataloguePath: path.join(import.meta.dirname, 'catalogue.json') }),
    players: options.players ?? [],
    // Library kinds: the movie pipeline never writes into the TV library, nor the reverse.
    libraryRoots: [
      { path: libraryPath, kind: 'movies' },
      { path: tvLibraryPath, kind: 'tvshows' },
    ],
  });
  await queue.use(media);
  // Declaring an unchanged schedule again changes nothing, and a changed one replaces the
  // stored one: every start may declare them. Each is named after the job it runs.
  for (const s of MAINTENANCE_SCHEDULES) {
    await queue.schedule(s.name, { cron: s.cron }, { type: s.name, payload: s.payload(libraryPath) });
  }

  const routerOptions: RouterOptions = { apiKey: options.apiKey, logger: options.logger };
  // Built before the queue starts: a bad secret stops the start-up with nothing running.
  const webhooks =
    options.webhookSecret === undefined
      ? null
      : createWebhookRouter(queue, {
          auth: { type: 'secret', secret: options.webhookSecret },
          libraries: [
            { path: libraryPath, kind: 'movies' },
            { path: tvLibraryPath, kind: 'tvshows' },
          ],
          downloaders: {
            radarr: { pathMap: [{ from: options.webhookLibraryPath ?? '/movies', to: libraryPath }] },
            sonarr: { pathMap: [{ from: options.webhookTvLibraryPath ?? '/tv', to: tvLibraryPath }] },
          },
          logger: options.logger,
        });
  await queue.start();

  const app = express();
  app.disable('x-powered-by');
  const publicDir = path.join(import.meta.dirname, 'public');
  app.use(express.static(publicDir, { index: 'index.html' }));
  // The page links its SVG icon; browsers and tools that ask for /favicon.ico get it too.
  app.get('/favicon.ico', (_req, res) => {
    res.sendFile(path.join(publicDir, 'favicon.svg'));
  });
  app.use(
    '/api',
    createPhaseConfigRouter(phases, routerOptions),
    createJobsRouter(queue, routerOptions),
    createHealthRouter({ queue, phases }, routerOptions),
    createSchedulesRouter(queue.scheduler, routerOptions),
    createMediaRouter(queue, media, routerOptions),
    // GET /api/metrics for Prometheus, GET /api/metrics/history for the page's charts.
    createMetricsRouter(queue, routerOptions),
  );
  // Downloaders cannot send the API key: the webhooks carry their own secret instead.
  if (webhooks) app.use('/api', webhooks);
  // The demo page needs to know which folder its "Scan library" button scans; `libraries`
  // lists both demo libraries with their kinds (scan a TV one with `scan-tv`).
  app.get('/api/library', requireApiKey(options.apiKey), (_req, res) => {
    res.json({
      libraryPath,
      libraries: [
        { path: libraryPath, kind: 'movies', scanJob: 'scan-movie' },
        { path: tvLibraryPath, kind: 'tvshows', scanJob: 'scan-tv' },
      ],
    });
  });
  // The language codes `enrichment.language` accepts, for the page's language menu.
  app.get('/api/languages', (_req, res) => {
    res.json(ISO_639_1_CODES);
  });
  app.use('/api', notFoundHandler());
  app.use(phaseqErrorHandler(routerOptions));

  return {
    app,
    queue,
    phases,
    media,
    libraryPath,
    tvLibraryPath,
    async stop() {
      await queue.stop({ timeoutMs: 10_000 });
      await phases.close();
      media.close();
    },
  };
}
