/**
 * The example server's parts: one SQLite file holding jobs, settings and the media
 * tables; the media pipeline with the catalogue provider; the phaseq routers under
 * `/api`; and the dashboard's static files at `/`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { ISO_639_1_CODES, JobQueue, PhaseConfigService, SQLiteJobQueueStorage, SQLiteSettingsStore } from '../../src/index.js';
import {
  createHealthRouter,
  createJobsRouter,
  createPhaseConfigRouter,
  notFoundHandler,
  phaseqErrorHandler,
  requireApiKey,
  type RouterOptions,
} from '../../src/express.js';
import { createMediaPlugin, LocalProvider, type MediaPlugin } from '../../src/media/index.js';
import { ensureSampleLibrary } from './sampleLibrary.js';

/** Options of {@link createExampleApp}. */
export interface ExampleAppOptions {
  /** Folder of the database and the demo library. */
  dataDir: string;
  /** When set, the API needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string | undefined;
  logger: Logger;
}

/** The running parts, and how to stop them. */
export interface ExampleApp {
  app: Express;
  queue: JobQueue;
  phases: PhaseConfigService;
  media: MediaPlugin;
  libraryPath: string;
  /** Stops the workers (letting running jobs finish) and closes the database. */
  stop(): Promise<void>;
}

/** Builds the example server's app and starts its queue. */
export async function createExampleApp(options: ExampleAppOptions): Promise<ExampleApp> {
  mkdirSync(options.dataDir, { recursive: true });
  const filename = path.join(options.dataDir, 'phaseq.db');
  const libraryPath = ensureSampleLibrary(path.join(options.dataDir, 'library'));

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
    players: [],
    libraryRoots: [libraryPath],
  });
  await queue.use(media);
  await queue.start();

  const routerOptions: RouterOptions = { apiKey: options.apiKey, logger: options.logger };
  const app = express();
  app.disable('x-powered-by');
  app.use(express.static(path.join(import.meta.dirname, 'public'), { index: 'index.html' }));
  app.use(
    '/api',
    createPhaseConfigRouter(phases, routerOptions),
    createJobsRouter(queue, routerOptions),
    createHealthRouter({ queue, phases }, routerOptions),
  );
  // The demo page needs to know which folder its "Scan library" button scans.
  app.get('/api/library', requireApiKey(options.apiKey), (_req, res) => {
    res.json({ libraryPath });
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
    async stop() {
      await queue.stop({ timeoutMs: 10_000 });
      await phases.close();
      media.close();
    },
  };
}
