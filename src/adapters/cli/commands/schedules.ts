/**
 * `phaseq schedules list|run <name>`: the recurring jobs stored in the database, with
 * their next run times, and running one now. Neither starts workers or the scheduler:
 * a running `phaseq worker` (or any process with the queue started) fires the ticks and
 * runs the jobs.
 */
import type { Command } from 'commander';
import type { ZodType } from 'zod';
import { UnrecoverableError } from '../../../errors.js';
import { MEDIA_JOB_SCHEMAS } from '../../../media/schemas.js';
import type { ScheduleInfo } from '../../../scheduler/Scheduler.js';
import { quietLogger, withDb, withJson, withPlugins, type DbOptions, type JsonOptions, type PluginOptions } from '../common.js';
import { openContext, type CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { formatTable, println, printJson } from '../output.js';

/** The media pipeline's job types and their payload schemas. */
const MEDIA_SCHEMAS: ReadonlyMap<string, ZodType> = new Map<string, ZodType>(Object.entries(MEDIA_JOB_SCHEMAS));

/**
 * Makes a schedule's job type known to the queue so its payload can be checked and the
 * job stored. A media type gets its schema only: this process enqueues and never starts
 * its queue, so the media pipeline (and its provider) is not needed here. Any other type
 * must come from a `--plugin`.
 *
 * @throws UsageError when the type is neither registered by a plugin nor a media type
 */
function ensureJobType(ctx: CliContext, schedule: ScheduleInfo): void {
  const type = schedule.job.type;
  if (ctx.queue.registry.has(type)) return;
  const schema = MEDIA_SCHEMAS.get(type);
  if (!schema) {
    throw new UsageError(
      `Schedule "${schedule.name}" runs job type "${type}", which no --plugin registers: give the plugin module that defines it with --plugin`,
    );
  }
  ctx.queue.registry.register(
    type,
    () => {
      throw new UnrecoverableError(`${type} is only enqueued by this process; run it with phaseq worker --media-library`);
    },
    { schema },
  );
}

function time(epochMs: number | null, none: string): string {
  return epochMs === null ? none : new Date(epochMs).toISOString();
}

function trigger(s: ScheduleInfo): string {
  if (s.cron !== null) return s.tz ? `cron ${s.cron} (${s.tz})` : `cron ${s.cron}`;
  return `every ${(s.everyMs ?? 0) / 1000} s`;
}

/** A table of schedules, for `schedules list`. */
function formatScheduleTable(schedules: readonly ScheduleInfo[]): string {
  if (schedules.length === 0) return 'No schedules.';
  return formatTable(
    ['NAME', 'TRIGGER', 'JOB TYPE', 'LAST RUN', 'NEXT RUN'],
    schedules.map((s) => [s.name, trigger(s), s.job.type, time(s.lastRunAt, 'never'), time(s.nextRunAt, 'none')]),
  );
}

/** Opens the database (and the `--plugin` modules), runs `fn`, and closes it whatever happens. */
async function withContext<T>(options: DbOptions & Partial<PluginOptions>, fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const ctx = await openContext({ db: options.db, logger: quietLogger(options), plugins: options.plugin ?? [] });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/** Registers `schedules` and its subcommands. */
export function registerSchedulesCommand(program: Command): void {
  const schedules = program.command('schedules').description('list the recurring jobs, or run one now');

  const list = schedules.command('list').description('every schedule with its trigger, last run and next run (UTC)');
  withJson(withDb(list)).action((options: DbOptions & JsonOptions) =>
    withContext(options, async (ctx) => {
      const found = await ctx.queue.listSchedules();
      if (options.json) printJson(found);
      else println(formatScheduleTable(found));
    }),
  );

  const run = schedules
    .command('run')
    .description("enqueue a schedule's job now (its regular runs are unchanged); prints the job id")
    .argument('<name>', 'schedule name, as `schedules list` shows it');
  withPlugins(withJson(withDb(run))).action((name: string, options: DbOptions & JsonOptions & PluginOptions) =>
    withContext(options, async (ctx) => {
      const schedule = (await ctx.queue.listSchedules()).find((s) => s.name === name);
      // An unknown name is left to runScheduleNow, which says so (exit 1).
      if (schedule) ensureJobType(ctx, schedule);
      const jobId = await ctx.queue.runScheduleNow(name);
      if (options.json) printJson({ name, jobId });
      else println(jobId);
    }),
  );
}
