/**
 * A small migration runner for the SQLite database phaseq shares with its host.
 *
 * The core's migrations are recorded in `schema_migrations`; each plugin's own numbered
 * set (see {@link MigrationSet}) in `plugin_migrations`, under the plugin's name, so a
 * plugin counts from 1 and never takes a number from the core or another plugin. Each
 * migration runs in its own IMMEDIATE transaction together with its bookkeeping row, so
 * two processes that start at once serialise: the second sees the version recorded and
 * skips it. A database that has a version this code does not know was written by a newer
 * phaseq (or plugin): we refuse to touch it rather than guess.
 *
 * Before plugins had their own sets, every migration was in one global list; the media
 * plugin's tables were versions 4, 6 and 8 of it. Those numbers are retired from the core
 * ({@link RETIRED_CORE_VERSIONS}), and a plugin migration that names its old place
 * (`replaces`) takes such a row over instead of running again.
 */
import type { Database } from 'better-sqlite3';
import { MigrationError, ValidationError } from '../errors.js';
import type { Migration } from './migration.js';
import { CORE_MIGRATIONS, RETIRED_CORE_VERSIONS } from './migrations/index.js';

/** A migration that `migrate`/`rollback` (or their plugin forms) applied or reverted. */
export interface MigrationStep {
  version: number;
  name: string;
  direction: 'up' | 'down';
}

/**
 * A plugin's own migrations: versions from 1 within the set, tracked under `name` in
 * `plugin_migrations`. A {@link Plugin} is one (its `name` and `migrations`).
 *
 * @example
 * ```ts
 * const notesMigrations: MigrationSet = {
 *   name: 'notes',
 *   migrations: [{ version: 1, name: 'notes', up: (db) => db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY)'), down: (db) => db.exec('DROP TABLE notes') }],
 * };
 * migratePlugin(db, notesMigrations);
 * ```
 */
export interface MigrationSet {
  /** The plugin's name: its ledger in `plugin_migrations`. */
  readonly name: string;
  readonly migrations: readonly Migration[];
}

/** Where one set of migrations is recorded: the core's table, or one plugin's rows. */
interface Ledger {
  applied(db: Database): number[];
  has(db: Database, version: number): boolean;
  record(db: Database, m: Migration): void;
  forget(db: Database, version: number): void;
  /** Versions in the table that are neither known nor retired are a newer release's. */
  retired: readonly number[];
  what: string;
}

function ensureTables(db: Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS plugin_migrations (
    plugin     TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (plugin, version)
  )`);
}

const CORE_LEDGER: Ledger = {
  applied: (db) =>
    (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version),
  has: (db, version) => db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(version) !== undefined,
  record: (db, m) => {
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
  },
  forget: (db, version) => {
    db.prepare('DELETE FROM schema_migrations WHERE version = ?').run(version);
  },
  retired: RETIRED_CORE_VERSIONS,
  what: 'phaseq',
};

function pluginLedger(plugin: string): Ledger {
  return {
    applied: (db) =>
      (db.prepare('SELECT version FROM plugin_migrations WHERE plugin = ? ORDER BY version').all(plugin) as { version: number }[]).map(
        (r) => r.version,
      ),
    has: (db, version) => db.prepare('SELECT 1 FROM plugin_migrations WHERE plugin = ? AND version = ?').get(plugin, version) !== undefined,
    record: (db, m) => {
      db.prepare('INSERT INTO plugin_migrations (plugin, version, name, applied_at) VALUES (?, ?, ?, ?)').run(
        plugin,
        m.version,
        m.name,
        Date.now(),
      );
    },
    forget: (db, version) => {
      db.prepare('DELETE FROM plugin_migrations WHERE plugin = ? AND version = ?').run(plugin, version);
    },
    retired: [],
    what: `the plugin "${plugin}"`,
  };
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

function refuseNewer(db: Database, ledger: Ledger, known: readonly Migration[]): void {
  const knownVersions = new Set([...known.map((m) => m.version), ...ledger.retired]);
  const unknown = ledger.applied(db).filter((v) => !knownVersions.has(v));
  if (unknown.length > 0) {
    throw new MigrationError(
      `The database has migration ${unknown.join(', ')} of ${ledger.what} which this version does not know: ` +
        'it was written by a newer release. Upgrade instead of running an older one against it.',
    );
  }
}

/** A row of the old single list that `m` replaces, if the database has it. */
function legacyRow(db: Database, m: Migration): boolean {
  if (!m.replaces) return false;
  return (
    db.prepare('SELECT 1 FROM schema_migrations WHERE version = ? AND name = ?').get(m.replaces.version, m.replaces.name) !== undefined
  );
}

function runUp(db: Database, ledger: Ledger, list: readonly Migration[], toVersion: number | undefined): MigrationStep[] {
  const highest = latestVersion(list);
  const target = toVersion ?? Number.POSITIVE_INFINITY;
  if (toVersion !== undefined && !(Number.isInteger(target) && target >= 0 && target <= highest)) {
    const message = `must be a whole number from 0 to ${highest} (the highest version this release knows), not ${target}`;
    throw new ValidationError(`Invalid migration target: toVersion: ${message}`, [{ path: 'toVersion', message }]);
  }
  ensureTables(db);
  refuseNewer(db, ledger, list);
  const steps: MigrationStep[] = [];
  for (const m of list) {
    if (m.version > target) break;
    const ran = db
      .transaction(() => {
        if (ledger.has(db, m.version)) return false;
        if (legacyRow(db, m)) {
          // Applied under its old number: move the row, run nothing.
          ledger.record(db, m);
          CORE_LEDGER.forget(db, m.replaces!.version);
          return false;
        }
        m.up(db);
        ledger.record(db, m);
        return true;
      })
      .immediate();
    if (ran) steps.push({ version: m.version, name: m.name, direction: 'up' });
  }
  return steps;
}

function runDown(db: Database, ledger: Ledger, list: readonly Migration[], toVersion: number): MigrationStep[] {
  if (!Number.isInteger(toVersion) || toVersion < 0) {
    throw new MigrationError(`rollback target must be a whole number >= 0, got ${toVersion}`);
  }
  ensureTables(db);
  refuseNewer(db, ledger, list);
  const steps: MigrationStep[] = [];
  for (const m of [...list].reverse()) {
    if (m.version <= toVersion) break;
    const ran = db
      .transaction(() => {
        const legacy = !ledger.has(db, m.version) && legacyRow(db, m);
        if (!ledger.has(db, m.version) && !legacy) return false;
        m.down(db);
        ledger.forget(db, m.version);
        if (legacy) CORE_LEDGER.forget(db, m.replaces!.version);
        return true;
      })
      .immediate();
    if (ran) steps.push({ version: m.version, name: m.name, direction: 'down' });
  }
  return steps;
}

/** The highest version `migrations` lead to (by default phaseq's own): where `migrate()` stops. */
export function latestVersion(migrations: readonly Migration[] = CORE_MIGRATIONS): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

/**
 * The highest applied core migration version, or 0 for a fresh database. (A retired
 * number of the old single list, still there until its plugin takes it over, is not one.)
 */
export function currentVersion(db: Database): number {
  ensureTables(db);
  const rows = CORE_LEDGER.applied(db).filter((v) => !RETIRED_CORE_VERSIONS.includes(v));
  return rows.length > 0 ? Math.max(...rows) : 0;
}

/**
 * Applies every pending core migration in order (up to `toVersion` when given) and
 * returns what ran. Idempotent: running it again applies nothing. Plugins' tables come
 * with {@link migratePlugin}.
 *
 * @example
 * ```ts
 * const db = new Database('./data/phaseq.db');
 * migrate(db); // [{ version: 1, name: 'jobs', direction: 'up' }, ...]
 * ```
 */
export function migrate(db: Database, options: { toVersion?: number; migrations?: readonly Migration[] } = {}): MigrationStep[] {
  return runUp(db, CORE_LEDGER, checkList(options.migrations ?? CORE_MIGRATIONS), options.toVersion);
}

/**
 * Reverts applied core migrations, newest first, until the database is at `toVersion`
 * (0 reverts everything of the core). Returns what ran.
 */
export function rollback(db: Database, toVersion: number, options: { migrations?: readonly Migration[] } = {}): MigrationStep[] {
  return runDown(db, CORE_LEDGER, checkList(options.migrations ?? CORE_MIGRATIONS), toVersion);
}

function checkSet(set: MigrationSet): Migration[] {
  if (!set || typeof set.name !== 'string' || set.name.trim() === '') {
    throw new MigrationError('A plugin migration set needs a non-empty name');
  }
  return checkList(set.migrations ?? []);
}

/**
 * Applies a plugin's pending migrations (up to `toVersion`), recorded under its name.
 * Idempotent. The core's tables are not touched: run {@link migrate} for those.
 *
 * @example
 * ```ts
 * migrate(db);
 * migratePlugin(db, { name: 'notes', migrations: NOTES_MIGRATIONS });
 * ```
 */
export function migratePlugin(db: Database, set: MigrationSet, options: { toVersion?: number } = {}): MigrationStep[] {
  return runUp(db, pluginLedger(set.name), checkSet(set), options.toVersion);
}

/** Reverts a plugin's applied migrations, newest first, down to `toVersion` (0: all of them). */
export function rollbackPlugin(db: Database, set: MigrationSet, toVersion: number): MigrationStep[] {
  return runDown(db, pluginLedger(set.name), checkSet(set), toVersion);
}

/** The highest applied migration of the plugin `name`, or 0. */
export function pluginVersion(db: Database, name: string): number {
  ensureTables(db);
  const rows = pluginLedger(name).applied(db);
  return rows.length > 0 ? Math.max(...rows) : 0;
}
