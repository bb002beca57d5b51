/**
 * `phaseq migrate-storage --from sqlite:<file> --to redis://host:port/db`: moves pending
 * and delayed jobs and the phase settings to Redis (see docs/guides/scaling.md).
 */
import type { Command } from 'commander';
import { withJson, type JsonOptions } from '../common.js';
import { println, printJson } from '../output.js';

interface MigrateStorageOptions extends JsonOptions {
  from: string;
  to: string;
  prefix?: string;
  queueName?: string;
}

/**
 * Loads `phaseq/bullmq` at run time: bullmq and ioredis are optional peers, so the CLI
 * must start without them and only this command needs them.
 */
async function loadBullmq(): Promise<typeof import('../../../bullmq.js')> {
  const specifier: string = 'phaseq/bullmq';
  return (await import(specifier)) as typeof import('../../../bullmq.js');
}

/** Registers `migrate-storage`. */
export function registerMigrateStorageCommand(program: Command): void {
  const command = program
    .command('migrate-storage')
    .description('move pending and delayed jobs and the phase settings from an SQLite file to Redis (safe to re-run)')
    .requiredOption('--from <location>', 'source, as sqlite:<path to the database file>')
    .requiredOption('--to <url>', 'target Redis, as redis://host:port/db')
    .option('--prefix <prefix>', 'Redis key prefix of the target queue', 'phaseq')
    .option('--queue-name <name>', 'queue name on the target');
  withJson(command).action(async (options: MigrateStorageOptions) => {
    const { migrateStorageByUrl } = await loadBullmq();
    const report = await migrateStorageByUrl({
      from: options.from,
      to: options.to,
      prefix: options.prefix,
      queueName: options.queueName,
    });
    if (options.json) {
      printJson(report);
      return;
    }
    println(
      `${report.moved} job(s) moved, ${report.alreadyMoved} already moved by an earlier run, ${report.settings} setting(s) and ${report.schedules} schedule(s) copied.`,
    );
    if (report.pauses > 0) println(`${report.pauses} pause(s) copied: the target is paused as the source was (phaseq resume).`);
    if (report.recoveredStalled > 0) println(`${report.recoveredStalled} stalled job(s) recovered before moving.`);
    if (report.failedLeftOnSource > 0) println(`${report.failedLeftOnSource} dead-letter job(s) left on the source.`);
    for (const c of report.dedupeConflicts) {
      println(`left on the source: job ${c.sourceId} (its dedupe key ${c.dedupeKey ?? ''} is held by target job ${c.targetId})`);
    }
  });
}
