/**
 * `phaseq scan <path> [--kind movies|tvshows] [--wait]`: enqueues a manual scan of a
 * media library (`scan-movie`, or `scan-tv` for a TV library). With `--wait` it also runs
 * the pipeline in this process (scan -> enrich -> publish -> notify), shows one progress
 * bar per phase, and prints a summary when every job of the run has finished. Without
 * `--wait` a running `phaseq worker --media-library` (or `--tv-library`) does the work.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { UnrecoverableError } from '../../../errors.js';
import { LIBRARY_KINDS, type LibraryKind } from '../../../media/libraries.js';
import { scanMovieSchema } from '../../../media/schemas.js';
import { scanTvSchema } from '../../../media/tv/schemas.js';
import { definePlugin } from '../../../plugins/definePlugin.js';
import { JOB_PRIORITY } from '../../../types.js';
import { quietLogger, withDb, withJson, type DbOptions, type JsonOptions } from '../common.js';
import { openContext } from '../context.js';
import { EXIT_FAILURE, UsageError } from '../errors.js';
import { createMediaFromOptions, withMediaOptions, type MediaCliOptions } from '../media.js';
import { formatTable, println, printJson } from '../output.js';
import { integerIn } from '../parse.js';
import { createPhaseBars, ScanRun, type ScanSummary } from '../scanProgress.js';

interface ScanOptions extends DbOptions, JsonOptions, MediaCliOptions {
  wait?: boolean;
  concurrency?: number;
  kind: LibraryKind;
}

/**
 * Registers only the scan schemas, so that a process that enqueues and does not run the
 * pipeline needs no provider; its queue is never started, so the handlers never run.
 */
const scanEnqueueOnly = definePlugin({
  name: 'media-enqueue',
  jobs: {
    'scan-movie': {
      schema: scanMovieSchema,
      handler: () => {
        throw new UnrecoverableError('scan-movie is only enqueued by this process; run it with phaseq worker --media-library');
      },
    },
    'scan-tv': {
      schema: scanTvSchema,
      handler: () => {
        throw new UnrecoverableError('scan-tv is only enqueued by this process; run it with phaseq worker --tv-library');
      },
    },
  },
});

function checkLibrary(library: string): void {
  let isDir = false;
  try {
    isDir = statSync(library).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new UsageError(`Library folder not found: ${library}`);
}

/** `12 (episode-file: 2, too-small: 10)`. */
function skippedText(summary: ScanSummary): string {
  const reasons = Object.entries(summary.skippedByReason).map(([reason, n]) => `${reason}: ${n}`);
  return reasons.length === 0 ? String(summary.skipped) : `${summary.skipped} (${reasons.join(', ')})`;
}

function printSummary(library: string, kind: LibraryKind, summary: ScanSummary, durationMs: number): void {
  println(`Scan of ${library} finished in ${(durationMs / 1000).toFixed(1)} s`);
  const found: [string, string][] =
    kind === 'tvshows'
      ? [
          ['shows found', String(summary.showsFound)],
          ['episodes found', String(summary.episodesFound)],
        ]
      : [['movies found', String(summary.moviesFound)]];
  println(
    formatTable(
      ['', ''],
      [
        ...found,
        ['skipped', skippedText(summary)],
        ['NFOs written', String(summary.nfosWritten)],
        ['artwork written', String(summary.artworkWritten)],
        ['players notified', String(summary.playersNotified)],
        ['failures', String(summary.failures.length)],
      ],
    )
      .split('\n')
      .slice(1)
      .map((line) => `  ${line}`)
      .join('\n'),
  );
  for (const f of summary.failures) println(`  failed: ${f.type} ${f.id}: ${f.error}`);
}

/** Registers `scan`. */
export function registerScanCommand(program: Command): void {
  const command = program
    .command('scan')
    .description('enqueue a manual scan of a media library; with --wait, run the pipeline here and show progress')
    .argument('<path>', 'library folder')
    .addOption(new Option('--kind <kind>', 'what the library holds').choices(LIBRARY_KINDS).default('movies'))
    .option('--wait', 'run the pipeline in this process until every job of the scan has finished')
    .option('--concurrency <n>', 'jobs run at once with --wait (default 3)', integerIn(1, 1000));
  withMediaOptions(withJson(withDb(command))).action(async (libraryArg: string, options: ScanOptions) => {
    const library = path.resolve(libraryArg);
    checkLibrary(library);
    const ctx = await openContext({ db: options.db, logger: quietLogger(options), concurrency: options.concurrency });
    try {
      const runsHere = options.wait === true;
      if (runsHere || options.catalogue || options.tmdbKey) {
        await ctx.queue.use(await createMediaFromOptions(options, ctx.database, [{ path: library, kind: options.kind }]));
      } else {
        await ctx.queue.use(scanEnqueueOnly);
      }
      const job = {
        type: options.kind === 'tvshows' ? 'scan-tv' : 'scan-movie',
        payload: { libraryPath: library, manual: true },
        manual: true,
        priority: JOB_PRIORITY.HIGH,
      };
      if (!runsHere) {
        const id = await ctx.queue.addJob(job);
        if (options.json) printJson({ id, library, kind: options.kind });
        else println(id);
        return;
      }
      const started = Date.now();
      let bars: ReturnType<typeof createPhaseBars> | null = null;
      const run = new ScanRun(ctx.queue, () => bars?.update());
      bars = options.json ? null : createPhaseBars(() => run.summary);
      await ctx.queue.start();
      const id = await ctx.queue.addJob(job);
      await run.done;
      bars?.update();
      bars?.stop();
      run.detach();
      if (run.fatal) {
        // Every other job would fail the same way: drop them, and say what to fix.
        for (const unfinished of run.unfinished()) await ctx.queue.cancelJob(unfinished);
        throw new UsageError(
          `${run.fatal.message}. --tmdb-key (or TMDB_API_KEY) takes a TMDB v3 API key or v4 API Read Access Token; ` +
            `nothing was published, and the next scan enriches the ${options.kind === 'tvshows' ? 'shows' : 'movies'} this one found`,
        );
      }
      if (options.json) printJson({ id, library, kind: options.kind, durationMs: Date.now() - started, ...run.summary });
      else printSummary(library, options.kind, run.summary, Date.now() - started);
      if (run.summary.failures.length > 0) process.exitCode = EXIT_FAILURE;
    } finally {
      await ctx.close();
    }
  });
}
