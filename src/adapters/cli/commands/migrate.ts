/** `phaseq migrate [--to <version>]`: applies pending migrations, or rolls back to a version. */
import { InvalidArgumentError, type Command } from 'commander';
import { currentVersion, latestVersion, migrate, rollback, type MigrationStep } from '../../../db/migrate.js';
import { withDb, withJson, type DbOptions, type JsonOptions } from '../common.js';
import { openDatabase } from '../context.js';
import { println, printJson } from '../output.js';
import { integerIn } from '../parse.js';

interface MigrateOptions extends DbOptions, JsonOptions {
  to?: number;
}

/** `--to`: a version this phaseq has, so a typo is a usage error rather than a silent stop at the last one. */
function parseTarget(text: string): number {
  const highest = latestVersion();
  const version = integerIn(0, Number.MAX_SAFE_INTEGER)(text);
  if (version > highest) throw new InvalidArgumentError(`The highest version this phaseq knows is ${highest}.`);
  return version;
}

/** Registers `migrate`. */
export function registerMigrateCommand(program: Command): void {
  const command = program
    .command('migrate')
    .description('apply the migrations the database lacks, or roll back to an older version with --to')
    .option('--to <version>', `migrate up or down to this version, 0 to ${latestVersion()} (0 removes every table)`, parseTarget);
  withJson(withDb(command)).action((options: MigrateOptions) => {
    const { dbFile, database } = openDatabase(options.db);
    try {
      const from = currentVersion(database);
      const steps: MigrationStep[] =
        options.to !== undefined && options.to < from
          ? rollback(database, options.to)
          : migrate(database, options.to === undefined ? {} : { toVersion: options.to });
      const version = currentVersion(database);
      if (options.json) {
        printJson({ database: dbFile, from, version, steps });
        return;
      }
      for (const s of steps) println(`${s.direction === 'up' ? 'applied ' : 'reverted'} ${s.version} ${s.name}`);
      println(steps.length === 0 ? `Nothing to do: ${dbFile} is at version ${version}.` : `${dbFile} is at version ${version}.`);
    } finally {
      database.close();
    }
  });
}
