/**
 * A small migration runner for the SQLite database phaseq shares with its host.
 *
 * Applied versions are recorded in `schema_migrations`. Each migration runs in its own
 * IMMEDIATE transaction together with its bookkeeping row, so two processes that start
 * at once serialise: the second sees the version recorded and skips it. A database that
 * has a version this code does not know was written by a newer phaseq: we refuse to touch
 * it rather than guess.
 */
import type { Database } from 'better-sqlite3';
import { MigrationError, ValidationError } from '../errors.js';
import { ALL_MIGRATIONS } from './migrations/index.js';

/** One numbered schema change with its inverse. Both run inside a transaction. */
export interface Migration {
  /** Positive integer; migrations apply in ascending order. */
  version: number;
  /** Short snake_case description, recorded with the version. */
  name: string;
  up(db: Database): void;
  down(db: Database): void;
}

/** A migration that `migrate`/`rollback` applied or reverted. */
export interface MigrationStep {
  version: number;
  name: string;
  direction: 'up' | 'down';
}

function ensureTable(db: Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
}

function appliedVersions(db: Database): number[] {
  return (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map(
    (r) => r.version,
  );
}

function checkList(migrations: readonly Migration[]): Migration[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (let i = 0; i < sorted.length; i++) {
    const m = sorted[i]!;
    if (!Number.isInteger(m.version) || m.version <= 0) {
      throw new MigrationError(`Migration "${m.name}" has an invalid version ${m.version}`);
    }
    if (i > 0 && sorted[i - 1]!.version === m.version) {
      throw new MigrationError(`Two migrations share version ${m.version}`);
    }
  }
  return sorted;
}

function refuseNewer(db: Database, known: readonly Migration[]): void {
  const knownVersions = new Set(known.map((m) => m.version));
  const unknown = appliedVersions(db).filter((v) => !knownVersions.has(v));
  if (unknown.length > 0) {
    throw new MigrationError(
      `The database has migration ${unknown.join(', ')} which this version of phaseq does not know: ` +
        'it was written by a newer phaseq. Upgrade phaseq instead of running an older one against it.',
    );
  }
}

/** The highest version `migrations` lead to (by default phaseq's own): where `migrate()` stops. */
export function latestVersion(migrations: readonly Migration[] = ALL_MIGRATIONS): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

/** The highest applied migration version, or 0 for a fresh database. */
export function currentVersion(db: Database): number {
  ensureTable(db);
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Applies every pending migration in order (up to `toVersion` when given) and returns
 * what ran. Idempotent: running it again applies nothing.
 *
 * @example
 * ```ts
 * const db = new Database('./data/phaseq.db');
 * migrate(db); // [{ version: 1, name: 'jobs', direction: 'up' }, ...]
 * ```
 */
export function migrate(
  db: Database,
  options: { toVersion?: number; migrations?: readonly Migration[] } = {},
): MigrationStep[] {
  const list = checkList(options.migrations ?? ALL_MIGRATIONS);
  const target = options.toVersion ?? Number.POSITIVE_INFINITY;
  const highest = latestVersion(list);
  if (options.toVersion !== undefined && !(Number.isInteger(target) && target >= 0 && target <= highest)) {
    const message = `must be a whole number from 0 to ${highest} (the highest version this phaseq knows), not ${target}`;
    throw new ValidationError(`Invalid migration target: toVersion: ${message}`, [{ path: 'toVersion', message }]);
  }
  ensureTable(db);
  refuseNewer(db, list);
  const steps: MigrationStep[] = [];
  for (const m of list) {
    if (m.version > target) break;
    const ran = db
      .transaction(() => {
        const done = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version);
        if (done) return false;
        m.up(db);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          m.version,
          m.name,
          Date.now(),
        );
        return true;
      })
      .immediate();
    if (ran) steps.push({ version: m.version, name: m.name, direction: 'up' });
  }
  return steps;
}

/**
 * Reverts applied migrations, newest first, until the database is at `toVersion`
 * (0 reverts everything). Returns what ran.
 */
export function rollback(
  db: Database,
  toVersion: number,
  options: { migrations?: readonly Migration[] } = {},
): MigrationStep[] {
  if (!Number.isInteger(toVersion) || toVersion < 0) {
    throw new MigrationError(`rollback target must be a whole number >= 0, got ${toVersion}`);
  }
  const list = checkList(options.migrations ?? ALL_MIGRATIONS);
  ensureTable(db);
  refuseNewer(db, list);
  const steps: MigrationStep[] = [];
  for (const m of [...list].reverse()) {
    if (m.version <= toVersion) break;
    const ran = db
      .transaction(() => {
        const done = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version);
        if (!done) return false;
        m.down(db);
        db.prepare('DELETE FROM schema_migrations WHERE version = ?').run(m.version);
        return true;
      })
      .immediate();
    if (ran) steps.push({ version: m.version, name: m.name, direction: 'down' });
  }
  return steps;
}
