/**
 * `phaseq pause [type]` and `phaseq resume [type]`: pause or resume the whole queue, or one
 * job type, for every process sharing the database. Running jobs finish; new jobs can
 * still be added. Prints what is paused afterwards.
 */
import type { Command } from 'commander';
import type { PauseState } from '../../../storage/types.js';
import { quietLogger, withDb, withJson, type DbOptions, type JsonOptions } from '../common.js';
import { openContext } from '../context.js';
import { println, printJson } from '../output.js';

type Action = 'pause' | 'resume';

/** What is paused, in one line. */
export function describePauses(state: PauseState): string {
  if (state.queue) return `the whole queue is paused${state.types.length > 0 ? ` (and on their own: ${state.types.join(', ')})` : ''}`;
  return state.types.length > 0 ? `paused job types: ${state.types.join(', ')}` : 'nothing is paused';
}

function register(program: Command, action: Action): void {
  const command = program
    .command(action)
    .description(
      action === 'pause'
        ? 'stop every worker sharing the database from starting jobs (of one type, or all); running jobs finish'
        : 'let workers start the jobs of a paused queue (or of one paused type) again',
    )
    .argument('[type]', `job type to ${action}; without it, the whole queue`);
  withJson(withDb(command)).action(async (type: string | undefined, options: DbOptions & JsonOptions) => {
    const ctx = await openContext({ db: options.db, logger: quietLogger(options) });
    try {
      const changed = await ctx.queue[action](type);
      const state = await ctx.queue.getPauseState();
      if (options.json) {
        printJson({ type: type ?? null, changed, paused: state.queue, pausedTypes: state.types });
        return;
      }
      const what = type === undefined ? 'the whole queue' : `job type ${type}`;
      const done = action === 'pause' ? 'paused' : 'resumed';
      const already = action === 'pause' ? 'was already paused' : 'was not paused';
      println(`${changed ? `${done} ${what}` : `${what} ${already}`}; ${describePauses(state)}`);
    } finally {
      await ctx.close();
    }
  });
}

/** Registers `pause` and `resume`. */
export function registerPauseCommands(program: Command): void {
  register(program, 'pause');
  register(program, 'resume');
}
