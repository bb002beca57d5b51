/**
 * `phaseq worker`: runs workers for the job types of the `--plugin` modules (and the
 * media pipeline with `--media-library` and/or `--tv-library`) until SIGINT or SIGTERM. The first signal stops
 * gracefully: no new claims, running jobs get `--shutdown-timeout` to finish, then they
 * are aborted and go back to pending without losing an attempt. A second signal exits at
 * once; its running jobs are recovered by the next worker when their leases expire.
 */
import { Option, type Command } from 'commander';
import type { Level } from 'pino';
import { withDb, withPlugins, type DbOptions, type PluginOptions } from '../common.js';
import { openContext } from '../context.js';
import { EXIT_FAILURE, UsageError } from '../errors.js';
import { createCliLogger } from '../logger.js';
import { createMediaFromOptions, withMediaOptions, type MediaCliOptions } from '../media.js';
import { integerIn, parseDuration } from '../parse.js';

interface WorkerOptions extends DbOptions, PluginOptions, MediaCliOptions {
  concurrency?: number;
  mediaLibrary?: string;
  tvLibrary?: string;
  shutdownTimeout: number;
  maxRetries?: number;
  retainFailed?: boolean;
  logLevel?: Level;
}

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Registers `worker`. */
export function registerWorkerCommand(program: Command): void {
  const command = program
    .command('worker')
    .description('run workers until SIGINT/SIGTERM (a second signal forces the exit)')
    .option('--concurrency <n>', 'jobs run at once (default 3)', integerIn(1, 1000))
    .option('--media-library <path>', 'also run the media pipeline for this movies library folder (needs a provider option)')
    .option('--tv-library <path>', 'also run the media pipeline for this tvshows library folder (needs a provider option)')
    .addOption(
      new Option('--shutdown-timeout <duration>', 'how long running jobs may finish after a signal: 500ms, 30s, 5m')
        .argParser(parseDuration)
        .default(10_000, '10s'),
    )
    .option('--max-retries <n>', 'retries after the first attempt, for job types that do not say', integerIn(0, 1000))
    .option('--retain-failed', 'keep jobs that failed for good as state failed (see `jobs retry`)')
    .option('--log-level <level>', 'trace, debug, info, warn, error or fatal (default info)');
  withMediaOptions(withPlugins(withDb(command))).action(async (options: WorkerOptions) => {
    const logger = createCliLogger({ level: options.logLevel ?? (options.verbose ? 'debug' : 'info') });
    const ctx = await openContext({
      db: options.db,
      logger,
      plugins: options.plugin,
      concurrency: options.concurrency,
      maxRetries: options.maxRetries,
      retainFailed: options.retainFailed,
    });
    try {
      const libraries = [
        ...(options.mediaLibrary ? [options.mediaLibrary] : []),
        ...(options.tvLibrary ? [{ path: options.tvLibrary, kind: 'tvshows' as const }] : []),
      ];
      if (libraries.length > 0) await ctx.queue.use(await createMediaFromOptions(options, ctx.database, libraries));
      if (ctx.queue.registry.types().length === 0) {
        throw new UsageError('No job types to run: give --plugin <module>, --media-library <path> or --tv-library <path>');
      }
      await ctx.queue.start();
    } catch (error) {
      await ctx.close();
      throw error;
    }
    logger.info({ db: ctx.dbFile, jobTypes: ctx.queue.registry.types(), pid: process.pid }, 'worker ready');
    await new Promise<void>((resolve, reject) => {
      let stopping = false;
      const onSignal = (signal: NodeJS.Signals): void => {
        if (stopping) {
          logger.warn({ signal, running: ctx.queue.runningJobs.map((j) => j.id) }, 'second signal: exiting now');
          process.exit(EXIT_FAILURE);
        }
        stopping = true;
        logger.info({ signal, timeoutMs: options.shutdownTimeout }, 'stopping: waiting for running jobs');
        ctx.close(options.shutdownTimeout).then(() => {
          for (const s of SHUTDOWN_SIGNALS) process.off(s, onSignal);
          resolve();
        }, reject);
      };
      for (const s of SHUTDOWN_SIGNALS) process.on(s, onSignal);
    });
  });
}
