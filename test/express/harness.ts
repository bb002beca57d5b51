/**
 * A real app for the adapter tests: SQLite queue and settings in a temp dir (built by the
 * real migrations), the three routers on an Express app, an HTTP server on 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { pino } from 'pino';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, PhaseConfigService, SQLiteJobQueueStorage, SQLiteSettingsStore } from '../../src/index.js';
import {
  createHealthRouter,
  createJobsRouter,
  createPhaseConfigRouter,
  notFoundHandler,
  phaseqErrorHandler,
  type RouterOptions,
} from '../../src/express.js';
import { MEDIA_PHASE_SCHEMAS } from '../../src/media/phases.js';

export interface TestApp {
  url: string;
  queue: JobQueue;
  phases: PhaseConfigService;
  dir: string;
  /** Resolves a gate the `wait` job blocks on. */
  release(): void;
  warnings: string[];
  errors: unknown[];
  close(): Promise<void>;
}

export interface TestAppOptions extends RouterOptions {
  start?: boolean;
  /** Host to listen on. @default '127.0.0.1' */
  host?: string;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = mkdtempSync(path.join(tmpdir(), 'phaseq-express-'));
  const filename = path.join(dir, 'phaseq.db');
  const registry = new HandlerRegistry();
  let open: () => void = () => {};
  let gate = new Promise<void>((resolve) => (open = resolve));
  registry.register('echo', async (job) => job.payload, { schema: z.object({ text: z.string().max(100) }) });
  registry.register(
    'wait',
    async (_job, ctx) => {
      await ctx.progress(50);
      await Promise.race([
        gate,
        new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error))),
      ]);
    },
    { schema: z.object({}) },
  );
  registry.register(
    'boom',
    async () => {
      throw new Error('boom');
    },
    { schema: z.object({}), maxRetries: 0 },
  );
  const logger = pino({ level: 'silent' });
  const phases = new PhaseConfigService({ phases: MEDIA_PHASE_SCHEMAS, store: new SQLiteSettingsStore({ filename }) });
  const queue = new JobQueue({
    storage: new SQLiteJobQueueStorage({ filename }),
    registry,
    phases,
    logger,
    retainFailed: true,
    concurrency: 2,
  });
  if (options.start !== false) await queue.start();

  const warnings: string[] = [];
  const errors: unknown[] = [];
  const adapterLogger = {
    warn: (_obj: object, msg?: string) => void warnings.push(msg ?? ''),
    error: (obj: object) => void errors.push(obj),
  };
  const { start: _start, host = '127.0.0.1', ...routerOptions } = options;
  const opts: RouterOptions = { logger: adapterLogger, ...routerOptions };
  const app = express();
  app.use('/api', createPhaseConfigRouter(phases, opts), createJobsRouter(queue, opts), createHealthRouter({ queue, phases }, opts));
  app.use('/api', notFoundHandler());
  app.use(phaseqErrorHandler(opts));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, host, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    queue,
    phases,
    dir,
    release: () => {
      open();
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    warnings,
    errors,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      open();
      await queue.stop({ timeoutMs: 2000 });
      await phases.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
