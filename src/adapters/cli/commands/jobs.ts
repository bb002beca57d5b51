/** `phaseq jobs list|show <id>|cancel <id>|retry <id>`: look at and act on single jobs. */
import { Option, type Command } from 'commander';
import { NotFoundError } from '../../../errors.js';
import type { JobState } from '../../../types.js';
import { quietLogger, withDb, withJson, type DbOptions, type JsonOptions } from '../common.js';
import { openContext, type CliContext } from '../context.js';
import { formatJob, formatJobTable, println, printJson } from '../output.js';
import { integerIn } from '../parse.js';

interface ListOptions extends DbOptions, JsonOptions {
  state?: JobState;
  type?: string;
  limit: number;
  offset: number;
}

/** Opens the database, runs `fn`, and closes it whatever happens. */
async function withContext<T>(options: DbOptions, fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const ctx = await openContext({ db: options.db, logger: quietLogger(options) });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/** Registers `jobs` and its subcommands. */
export function registerJobsCommand(program: Command): void {
  const jobs = program.command('jobs').description('list, show, cancel or retry jobs');

  const list = jobs
    .command('list')
    .description('jobs in claim order (completed jobs are not kept)')
    .addOption(
      new Option('--state <state>', 'only jobs in this state (delayed: waiting for their run time)').choices([
        'pending',
        'delayed',
        'processing',
        'failed',
      ]),
    )
    .option('--type <type>', 'only jobs of this type')
    .option('--limit <n>', 'at most this many', integerIn(1, 100_000), 50)
    .option('--offset <n>', 'skip this many', integerIn(0, Number.MAX_SAFE_INTEGER), 0);
  withJson(withDb(list)).action((options: ListOptions) =>
    withContext(options, async (ctx) => {
      const found = await ctx.queue.listJobs({
        state: options.state,
        type: options.type,
        limit: options.limit,
        offset: options.offset,
      });
      if (options.json) printJson(found);
      else println(formatJobTable(found));
    }),
  );

  const show = jobs.command('show').description('every field of one job').argument('<id>', 'job id');
  withJson(withDb(show)).action((id: string, options: DbOptions & JsonOptions) =>
    withContext(options, async (ctx) => {
      const job = await ctx.queue.getJob(id);
      if (!job) throw new NotFoundError(`No job with id ${id} (completed jobs are not kept)`);
      if (options.json) printJson(job);
      else println(formatJob(job));
    }),
  );

  const cancel = jobs
    .command('cancel')
    .description('delete a pending or failed job; a running one is aborted and deleted when its handler returns')
    .argument('<id>', 'job id');
  withJson(withDb(cancel)).action((id: string, options: DbOptions & JsonOptions) =>
    withContext(options, async (ctx) => {
      const result = await ctx.queue.cancelJob(id);
      if (result === 'not_found') throw new NotFoundError(`No job with id ${id}`);
      if (options.json) printJson({ id, result });
      else println(result === 'cancelled' ? `Cancelled job ${id}.` : `Job ${id} is running: its worker was asked to abort it.`);
    }),
  );

  const retry = jobs
    .command('retry')
    .description('put a failed job (kept with worker --retain-failed) back to pending with fresh attempts')
    .argument('<id>', 'job id');
  withJson(withDb(retry)).action((id: string, options: DbOptions & JsonOptions) =>
    withContext(options, async (ctx) => {
      const job = await ctx.queue.retryJob(id);
      if (options.json) printJson(job);
      else println(`Job ${job.id} (${job.type}) is pending again.`);
    }),
  );
}
