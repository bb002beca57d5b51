/**
 * `phaseq add <type> --payload <json|@file>`: validates a job against its type's schema
 * and stores it; prints the id. The type comes from a `--plugin`, or is one of the media
 * pipeline's (`scan-movie`, `enrich-metadata`, `publish`, `notify-kodi`, …): with the same
 * provider options as `scan` (`--catalogue` or `--tmdb-key`, `--players`) the media plugin
 * is built and checks them; without, only the payload schema is needed to enqueue.
 */
import type { Command } from 'commander';
import type { JobInput } from '../../../types.js';
import { quietLogger, withDb, withJson, withPlugins, type DbOptions, type JsonOptions, type PluginOptions } from '../common.js';
import { openContext } from '../context.js';
import { createMediaFromOptions, hasMediaProvider, registerMediaSchema, withMediaOptions, type MediaCliOptions } from '../media.js';
import { println, printJson } from '../output.js';
import { integerIn, parseDuration, parseJsonArgument, parsePriority } from '../parse.js';

interface AddOptions extends DbOptions, JsonOptions, PluginOptions, MediaCliOptions {
  payload?: string;
  priority?: number;
  delay?: number;
  runAt?: string;
  dedupe?: string;
  maxRetries?: number;
  timeout?: number;
  manual?: boolean;
}

/** Registers `add`. */
export function registerAddCommand(program: Command): void {
  const command = program
    .command('add')
    .description('add a job; its payload is checked against the schema of its type (from --plugin)')
    .argument('<type>', 'job type, registered by a --plugin module, or a media job type (scan-movie, publish, notify-kodi, ...)')
    .option('--payload <json|@file>', 'payload as JSON, or @file to read it from a file (@- for stdin)', '{}')
    .option('--priority <priority>', 'critical, high, normal, low, or 1 (first) .. 10 (last)', parsePriority)
    .option('--delay <duration>', 'run no earlier than this from now: 500ms, 30s, 5m, 1h, 2d (at most 10 years)', parseDuration)
    .option('--run-at <time>', 'run no earlier than this moment: ISO-8601 with its offset (2030-01-01T09:00:00Z) or epoch milliseconds')
    .option('--dedupe <key>', 'store nothing while a job with this key is pending or running')
    .option('--max-retries <n>', 'retries after the first attempt', integerIn(0, 1000))
    .option('--timeout <duration>', 'fail an attempt that runs longer than this', parseDuration)
    .option('--manual', 'mark the job as started by a person (its chained phases run at high priority)');
  withMediaOptions(withPlugins(withJson(withDb(command)))).action(async (type: string, options: AddOptions) => {
    const payload = parseJsonArgument(options.payload ?? '{}', '--payload');
    const ctx = await openContext({ db: options.db, logger: quietLogger(options), plugins: options.plugin });
    try {
      // A media job type no --plugin registered: the media plugin when a provider is given,
      // else its schema alone (enough to check and store the job).
      if (!ctx.queue.registry.has(type)) {
        if (hasMediaProvider(options)) await ctx.queue.use(await createMediaFromOptions(options, ctx.database, []));
        else registerMediaSchema(ctx.queue, type);
      }
      const input: JobInput = {
        type,
        payload,
        priority: options.priority,
        delayMs: options.delay,
        // Digits are epoch milliseconds; anything else goes to the queue as text, which
        // checks it (ISO-8601) and names the option when it is not a time.
        runAt: options.runAt === undefined ? undefined : /^\d+$/.test(options.runAt) ? Number(options.runAt) : options.runAt,
        dedupeKey: options.dedupe,
        maxRetries: options.maxRetries,
        timeoutMs: options.timeout,
        manual: options.manual,
      };
      const id = await ctx.queue.addJob(input);
      if (options.json) printJson({ id });
      else println(id);
    } finally {
      await ctx.close();
    }
  });
}
