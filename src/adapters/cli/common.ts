/**
 * Options every command shares, declared once so that `--db`, `--json`, `--verbose` and
 * `--plugin` mean the same thing everywhere.
 */
import { Option, type Command } from 'commander';
import type { Logger } from 'pino';
import { DEFAULT_DB_FILE } from './context.js';
import { createCliLogger } from './logger.js';
import { collect } from './parse.js';

/** Options added by {@link withDb}. */
export interface DbOptions {
  db: string;
  verbose?: boolean;
}

/** Options added by {@link withJson}. */
export interface JsonOptions {
  json?: boolean;
}

/** Options added by {@link withPlugins}. */
export interface PluginOptions {
  plugin: string[];
}

/** Adds `--db <file>` (also `PHASEQ_DB`) and `--verbose`. */
export function withDb(command: Command): Command {
  return command
    .addOption(
      new Option('--db <file>', 'SQLite database file (created with its folder when missing)').env('PHASEQ_DB').default(DEFAULT_DB_FILE),
    )
    .option('--verbose', 'log debug lines, and print the stack of an error');
}

/** Adds `--json`. */
export function withJson(command: Command): Command {
  return command.option('--json', 'print JSON instead of text');
}

/** Adds the repeatable `--plugin <module>`. */
export function withPlugins(command: Command): Command {
  return command.option(
    '--plugin <module>',
    'plugin module (file or package) whose default export is a plugin or an array of plugins; repeatable',
    collect,
    [],
  );
}

/**
 * The logger of a command whose stdout carries data: warnings and errors only, on stderr
 * (debug too with `--verbose`).
 */
export function quietLogger(options: DbOptions): Logger {
  return createCliLogger({ level: options.verbose ? 'debug' : 'warn', fd: 2 });
}
