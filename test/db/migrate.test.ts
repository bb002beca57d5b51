import type { Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MigrationError } from '../../src/errors.js';
import { currentVersion, migrate, rollback } from '../../src/db/migrate.js';
import type { Migration } from '../../src/db/migration.js';
import { CORE_MIGRATIONS, RETIRED_CORE_VERSIONS } from '../../src/db/migrations/index.js';
import { MEDIA_MIGRATIONS } from '../../src/media/migrations/index.js';
import { expectQueueWorks, tableNames, tempDatabase } from './helpers.js';

const cleanups: (() => void)[] = [];
function fresh(): Database {
  const t = tempDatabase();
  cleanups.push(t.cleanup);
  return t.db;
}
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const LATEST = Math.max(...CORE_MIGRATIONS.map((m) => m.version));

function table(version: number, name: string, options: { failUp?: boolean } = {}): Migration {
  return {
    version,
    name: `t${version}`,
    up(db) {
      db.exec(`CREATE TABLE ${name} (id INTEGER PRIMARY KEY)`);
      if (options.failUp) throw new Error(`migration ${version} failed on purpose`);
    },
    down(db) {
      db.exec(`DROP TABLE ${name}`);
    },
  };
}

describe('migration runner', () => {
  it('applies every shipped migration in order, once', () => {
    const db = fresh();
    const steps = migrate(db);
    expect(steps.map((s) => s.version)).toEqual(CORE_MIGRATIONS.map((m) => m.version));
    expect(steps.slice(0, 3).map((s) => s.name)).toEqual(['jobs', 'app_settings', 'phase_refactor']);
    expect(currentVersion(db)).toBe(LATEST);
    expect(tableNames(db)).toEqual(expect.arrayContaining(['jobs', 'app_settings', 'settings_version', 'schema_migrations']));
  });

  it('numbers the core migrations in one list that skips the numbers retired to the media plugin', () => {
    expect(CORE_MIGRATIONS.map((m) => [m.version, m.name])).toEqual([
      [1, 'jobs'],
      [2, 'app_settings'],
      [3, 'phase_refactor'],
      [5, 'schedules'],
      [7, 'queue_controls'],
      [9, 'rate_limits'],
      [10, 'debounce_traces'],
    ]);
    expect(RETIRED_CORE_VERSIONS).toEqual([4, 6, 8]);
    // The media plugin counts from 1 and names the number each migration had before.
    expect(MEDIA_MIGRATIONS.map((m) => [m.version, m.name, m.replaces?.version])).toEqual([
      [1, 'media', 4],
      [2, 'player_sync', 6],
      [3, 'tv', 8],
    ]);
  });

  it('creates no media table and no phase setting without the media plugin', () => {
    const db = fresh();
    migrate(db);
    expect(tableNames(db).filter((t) => t.startsWith('movie') || t.startsWith('tv_') || t.startsWith('player_'))).toEqual([]);
    expect(db.prepare(`SELECT COUNT(*) AS n FROM app_settings WHERE key GLOB 'phase.*'`).get()).toEqual({ n: 0 });
  });

  it('is idempotent: a second run applies nothing and changes nothing', () => {
    const db = fresh();
    migrate(db);
    db.prepare(`INSERT INTO app_settings (key, value) VALUES ('phase.enrichment.maxPoster', '9')`).run();
    expect(migrate(db)).toEqual([]);
    expect(migrate(db)).toEqual([]);
    expect(db.prepare(`SELECT value FROM app_settings WHERE key = 'phase.enrichment.maxPoster'`).get()).toEqual({
      value: '9',
    });
    expect(currentVersion(db)).toBe(LATEST);
  });

  it('stops at toVersion, and continues from there later', () => {
    const db = fresh();
    expect(migrate(db, { toVersion: 2 }).map((s) => s.version)).toEqual([1, 2]);
    expect(tableNames(db)).toContain('app_settings');
    expect(db.prepare('SELECT COUNT(*) AS n FROM app_settings').get()).toEqual({ n: 0 });
    expect(migrate(db).map((s) => s.version)[0]).toBe(3);
    expect(currentVersion(db)).toBe(LATEST);
  });

  it('refuses a database written by a newer version, touching nothing', () => {
    const db = fresh();
    migrate(db, { toVersion: 1 });
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(999, 'future', Date.now());
    const before = tableNames(db);
    expect(() => migrate(db)).toThrow(MigrationError);
    expect(() => migrate(db)).toThrow(/999/);
    expect(() => rollback(db, 0)).toThrow(MigrationError);
    expect(tableNames(db)).toEqual(before);
  });

  it('runs each migration in its own transaction: a failing one leaves no trace', () => {
    const db = fresh();
    const list = [table(1, 'one'), table(2, 'two', { failUp: true }), table(3, 'three')];
    expect(() => migrate(db, { migrations: list })).toThrow(/failed on purpose/);
    expect(tableNames(db)).toContain('one');
    expect(tableNames(db)).not.toContain('two');
    expect(tableNames(db)).not.toContain('three');
    expect(currentVersion(db)).toBe(1);
  });

  it('rolls back newest first to a version, and migrates up again', () => {
    const db = fresh();
    const list = [table(1, 'one'), table(2, 'two'), table(3, 'three')];
    migrate(db, { migrations: list });
    expect(rollback(db, 1, { migrations: list })).toEqual([
      { version: 3, name: 't3', direction: 'down' },
      { version: 2, name: 't2', direction: 'down' },
    ]);
    expect(tableNames(db)).toEqual(['one', 'plugin_migrations', 'schema_migrations']);
    expect(rollback(db, 1, { migrations: list })).toEqual([]);
    expect(migrate(db, { migrations: list }).map((s) => s.version)).toEqual([2, 3]);
  });

  it('rolls the shipped migrations all the way down and up again; the queue works after', async () => {
    const db = fresh();
    migrate(db);
    rollback(db, 0);
    expect(currentVersion(db)).toBe(0);
    // Reverting the phase refactor brings back the old design's (empty) history table.
    expect(tableNames(db)).toEqual(['job_history', 'plugin_migrations', 'schema_migrations']);
    migrate(db);
    expect(tableNames(db)).not.toContain('job_history');
    expect(currentVersion(db)).toBe(LATEST);
    await expectQueueWorks(db);
  });

  it('tolerates a gap in the numbers: applies and rolls back around it', () => {
    // 4, 6 and 8 are numbers the core retired to the media plugin, which currentVersion skips.
    const db = fresh();
    const list = [table(1, 'one'), table(3, 'three'), table(5, 'five')];
    expect(migrate(db, { migrations: list }).map((s) => s.version)).toEqual([1, 3, 5]);
    expect(currentVersion(db)).toBe(5);
    expect(rollback(db, 1, { migrations: list }).map((s) => s.version)).toEqual([5, 3]);
    // A migration numbered into the gap later is applied on the next run.
    const filled = [table(1, 'one'), table(2, 'two'), table(3, 'three'), table(5, 'five')];
    expect(migrate(db, { migrations: filled }).map((s) => s.version)).toEqual([2, 3, 5]);
  });

  it('rejects a bad rollback target and duplicate versions', () => {
    const db = fresh();
    expect(() => rollback(db, -1)).toThrow(MigrationError);
    expect(() => rollback(db, 1.5)).toThrow(MigrationError);
    expect(() => migrate(db, { migrations: [table(1, 'a'), table(1, 'b')] })).toThrow(MigrationError);
  });
});
