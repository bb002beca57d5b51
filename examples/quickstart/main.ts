/**
 * Quickstart: a typed job queue on an embedded SQLite file — no server to install.
 * Run with `npm run example`. It enqueues a few jobs, runs them with 3 workers, and
 * stops gracefully when the queue is drained or on SIGINT/SIGTERM.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, JOB_PRIORITY, SQLiteJobQueueStorage, UnrecoverableError } from '../../src/index.js';

// Tell the compiler which payload each job type takes: addJob is checked against it.
declare global {
  namespace Phaseq {
    interface JobPayloadMap {
      'send-email': { to: string; subject: string };
    }
  }
}

const dataDir = process.env.PHASEQ_DATA ?? './data';
mkdirSync(dataDir, { recursive: true });
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });

const registry = new HandlerRegistry();
registry.register(
  'send-email',
  async (job, ctx) => {
    if (job.payload.to.endsWith('@invalid.example')) throw new UnrecoverableError(`cannot deliver to ${job.payload.to}`);
    await new Promise((resolve) => setTimeout(resolve, 20)); // pretend to talk to a mail server
    ctx.logger.info({ to: job.payload.to }, 'email sent');
    return { delivered: true };
  },
  { schema: z.object({ to: z.email(), subject: z.string().min(1) }) },
);

const queue = new JobQueue({
  storage: new SQLiteJobQueueStorage({ filename: join(dataDir, 'quickstart.db') }),
  registry,
  concurrency: 3,
  logger,
});

queue.on('job:completed', ({ job, durationMs }) => logger.info({ id: job.id, durationMs: Math.round(durationMs) }, 'completed'));
queue.on('job:failed', ({ job, error }) => logger.warn({ id: job.id, error: error.message }, 'failed for good'));

const shutdown = (): void => void queue.stop({ timeoutMs: 10_000 }).then(() => process.exit(0));
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);

await queue.start();
await queue.addJob({ type: 'send-email', payload: { to: 'ada@example.com', subject: 'Welcome' }, priority: JOB_PRIORITY.HIGH });
await queue.addJobs([
  { type: 'send-email', payload: { to: 'grace@example.com', subject: 'Digest' } },
  { type: 'send-email', payload: { to: 'nobody@invalid.example', subject: 'Bounce' } },
  { type: 'send-email', payload: { to: 'alan@example.com', subject: 'Later' }, delayMs: 200 },
]);

queue.once('queue:drained', () => {
  void queue.getStats().then(async (stats) => {
    logger.info({ stats }, 'queue drained: every job ran and its row is gone');
    await queue.stop();
  });
});
