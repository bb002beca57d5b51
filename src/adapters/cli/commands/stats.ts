/**
 * `phaseq stats [--watch]`: job counts per state and per type. With `--watch` the counts
 * are read again every `--interval` and redrawn in place on a terminal (one snapshot per
 * line with `--json`, for scripts) until SIGINT or SIGTERM.
 */
import { Option, type Command } from 'commander';
import type { QueueStats } from '../../../types.js';
import { quietLogger, withDb, withJson, type DbOptions, type JsonOptions } from '../common.js';
import { openContext } from '../context.js';
import { formatStats, println, printJson } from '../output.js';
import { parseDuration } from '../parse.js';
import { timerDelay } from '../../../timers.js';

interface StatsOptions extends DbOptions, JsonOptions {
  watch?: boolean;
  interval: number;
}

/** Moves the cursor home and clears the screen, so each snapshot replaces the last. */
const REDRAW = '\x1b[H\x1b[2J';

function show(stats: QueueStats, options: StatsOptions, redraw: boolean): void {
  if (options.json) {
    printJson({ at: new Date().toISOString(), ...stats });
    return;
  }
  if (redraw) process.stdout.write(REDRAW);
  println(formatStats(stats));
  if (options.watch && !redraw) println();
}

/** Registers `stats`. */
export function registerStatsCommand(program: Command): void {
  const command = program
    .command('stats')
    .description('job counts per state and per type')
    .option('--watch', 'redraw the counts until interrupted')
    .addOption(
      new Option('--interval <duration>', 'how often --watch reads the counts: 500ms, 2s, 1m').argParser(parseDuration).default(1000, '1s'),
    );
  withJson(withDb(command)).action(async (options: StatsOptions) => {
    const ctx = await openContext({ db: options.db, logger: quietLogger(options) });
    try {
      const redraw = options.watch === true && !options.json && process.stdout.isTTY === true;
      show(await ctx.queue.getStats(), options, redraw);
      if (!options.watch) return;
      await new Promise<void>((resolve, reject) => {
        let busy = false;
        const timer = setInterval(
          () => {
            if (busy) return;
            busy = true;
            ctx.queue
              .getStats()
              .then((stats) => show(stats, options, redraw))
              .catch((error: unknown) => {
                stop();
                reject(error);
              })
              .finally(() => {
                busy = false;
              });
          },
          Math.max(50, timerDelay(options.interval)),
        );
        const stop = (): void => {
          clearInterval(timer);
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    } finally {
      await ctx.close();
    }
  });
}
