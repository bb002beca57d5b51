/**
 * The shape of one migration, on its own so that the migration files and the runner that
 * lists them do not import each other.
 */
import type { Database } from 'better-sqlite3';

/** One numbered schema change with its inverse. Both run inside a transaction. */
export interface Migration {
  /** Positive integer; migrations apply in ascending order. */
  version: number;
  /** Short snake_case description, recorded with the version. */
  name: string;
  up(db: Database): void;
  down(db: Database): void;
  /**
   * For a plugin's migration that was once in phaseq's single global list: the version
   * and name it was recorded under there. A database that recorded it so takes it as
   * applied (the row moves to the plugin's ledger) instead of running it again.
   * @default none
   */
  replaces?: { version: number; name: string };
}
