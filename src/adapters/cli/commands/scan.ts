/**
 * `phaseq scan <path> [--kind movies|tvshows] [--wait] [--refresh]`: enqueues a manual scan
 * of a media library (`scan-movie`, or `scan-tv` for a TV library). With `--wait` it also
 * runs the pipeline in this process (scan -> enrich -> publish -> player sync), shows one
 * progress bar per phase, and prints a summary when every job of the run has finished:
 * what was found, removed and skipped (and why), what was written, and the player syncs
 * the players confirmed. Without `--wait` a running `phaseq worker --media-library` (or
 * `--tv-library`) does the work. `--refresh` re-enriches and re-publishes every movie (or
 * show) with the settings in force.
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
import { createPhaseBars, ScanRun, type PlayerChangeCounts, type ScanSummary } from '../scanProgress.js';

interface ScanOptions extends DbOptions, JsonOptions, MediaCliOptions {
  wait?: boolean;
  refresh?: boolean;
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

const SKIP_LABELS: Record<string, string> = {
  'too-small': 'too small',
  'too-large': 'too large',
  ignored: 'ignored pattern',
  'not-video': 'not video',
  'symlinked-folder': 'symlinked folder',
  'broken-link': 'broken link',
  'stacked-part': 'later part of a stack',
  'episode-file': 'named like a TV episode',
  'not-an-episode': 'no episode number',
  'absolute-numbering': 'absolute numbering only',
  sample: 'sample',
  'outside-show-folder': 'outside a show folder',
};

/** `40 (too small 38, not video 2)`, or `0`. */
function skippedText(skipped: ScanSummary['skipped']): string {
  const order = Object.keys(SKIP_LABELS);
  const entries = Object.entries(skipped)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return '0';
  return `${total} (${entries.map(([reason, n]) => `${SKIP_LABELS[reason] ?? reason} ${n}`).join(', ')})`;
}

/** `3 added, 1 refreshed, 0 removed`. */
function changesText(changes: PlayerChangeCounts): string {
  return `${changes.added} added, ${changes.refreshed} refreshed, ${changes.removed} removed`;
}

function printSummary(library: string, kind: LibraryKind, summary: ScanSummary, durationMs: number): void {
  const { playerSyncs, playerChanges } = summary;
  const confirmed = playerSyncs.verified + playerSyncs.accepted;
  println(`Scan of ${library} finished in ${(durationMs / 1000).toFixed(1)} s`);
  const found: [string, string][] =
    kind === 'tvshows'
      ? [
          ['shows found', String(summary.showsFound)],
          ['episodes found', String(summary.episodesFound)],
          ['shows removed', String(summary.showsRemoved)],
          ['episode files removed', String(summary.episodeFilesRemoved)],
        ]
      : [
          ['movies found', String(summary.moviesFound)],
          ['movies removed', String(summary.moviesRemoved)],
        ];
  const changes: [string, string][] =
    kind === 'tvshows'
      ? [
          ['player changes: shows', changesText(summary.playerTvChanges.shows)],
          ['player changes: episodes', changesText(summary.playerTvChanges.episodes)],
        ]
      : [['player changes', changesText(playerChanges)]];
  println(
    formatTable(
      ['', ''],
      [
        ...found,
        ['files skipped', skippedText(summary.skipped)],
        ['NFOs written', String(summary.nfosWritten)],
        ['artwork written', String(summary.artworkWritten)],
        [
          'player syncs confirmed',
          confirmed === 0
            ? '0'
            : `${confirmed} (${playerSyncs.verified} verified in the player's library, ${playerSyncs.accepted} accepted by the player)`,
        ],
        ...changes,
        ['failures', String(summary.failures.length)],
      ],
    )
      .split('\n')
      .slice(1)
      .map((line) => `  ${line}`)
      .join('\n'),
  );
  const small = summary.skipped['too-small'] ?? 0;
  if (summary.moviesFound === 0 && summary.episodesFound === 0 && small > 0) {
    println(`  hint: ${small} video file(s) are smaller than scan.minFileSizeMB; to accept them: phaseq config set scan.minFileSizeMB 0`);
  }
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
    .option(
      '--refresh',
      're-enrich and re-publish every movie (or show) with the settings in force, changed or not (then sync the players)',
    )
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
      const payload = { libraryPath: library, manual: true, ...(options.refresh ? { refresh: true } : {}) };
      const job = { type: options.kind === 'tvshows' ? 'scan-tv' : 'scan-movie', payload, manual: true, priority: JOB_PRIORITY.HIGH };
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
