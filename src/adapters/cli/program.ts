/**
 * Builds the `phaseq` commander program: one file per command under `commands/`, each
 * translating its arguments into library calls and the results into text or JSON.
 */
import { Command } from 'commander';
import { registerAddCommand } from './commands/add.js';
import { registerConfigCommand } from './commands/config.js';
import { registerJobsCommand } from './commands/jobs.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerMigrateStorageCommand } from './commands/migrateStorage.js';
import { registerPauseCommands } from './commands/pause.js';
import { registerScanCommand } from './commands/scan.js';
import { registerSchedulesCommand } from './commands/schedules.js';
import { registerStatsCommand } from './commands/stats.js';
import { registerWorkerCommand } from './commands/worker.js';

/**
 * The program, ready for `parseAsync`. Commander errors are thrown (not exited on), so
 * the caller decides the exit code; their one-line message is already printed.
 *
 * @example
 * ```ts
 * await buildProgram('0.1.0').parseAsync(['node', 'phaseq', 'stats', '--json']);
 * ```
 */
export function buildProgram(version: string): Command {
  const program = new Command('phaseq')
    .description('phaseq job queue and media pipeline: run workers, add and inspect jobs, change phase settings')
    .version(version, '-V, --version')
    .exitOverride()
    .showSuggestionAfterError()
    .configureHelp({ sortSubcommands: false });
  registerMigrateCommand(program);
  registerMigrateStorageCommand(program);
  registerWorkerCommand(program);
  registerAddCommand(program);
  registerStatsCommand(program);
  registerJobsCommand(program);
  registerPauseCommands(program);
  registerConfigCommand(program);
  registerScanCommand(program);
  registerSchedulesCommand(program);
  return program;
}
