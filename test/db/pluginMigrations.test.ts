/**
 * Databases written by the single global list (versions 1..8, media tables at 4, 6 and 8)
 * upgrade to per-plugin tracking: nothing runs again, nothing is lost, and the media
 * plugin's rows move to its own ledger.
 */
import type { Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { currentVersion, migrate, migratePlugin, pluginVersion, rollbackPlugin } from '../../src/db/migrate.js';
import type { Migration } from '../../src/db/migration.js';
import { CORE_MIGRATIONS } from '../../src/db/migrations/index.js';
import { phaseRefactorMigration } from '../../src/db/migrations/003_phase_refactor.js';
import { MigrationError } from '../../src/errors.js';
import { PHASE_DEFAULTS_V3 } from '../../src/media/migrations/001_media.js';
import { MEDIA_MIGRATIONS } from '../../src/media/migrations/index.js';
import { expectQueueWorks, settingsOf, tableNames, tempDatabase } from './helpers.js';

const cleanups: (() => void)[] = [];
function fresh(): Database {
  const t = tempDatabase();
  cleanups.push(t.cleanup);
  return t.db;
}
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const MEDIA = { name: 'media', migrations: MEDIA_MIGRATIONS };
const byVersion = (v: number): Migration => CORE_MIGRATIONS.find((m) => m.version === v)!;
/** The core's versions after `n`: what an old database at `n` still lacks (later releases append). */
const coreAfter = (n: number): number[] => CORE_MIGRATIONS.map((m) => m.version).filter((v) => v > n);
const CORE_VERSIONS = coreAfter(0);
const LATEST = Math.max(...CORE_VERSIONS);
const media = (v: number): Migration => MEDIA_MIGRATIONS.find((m) => m.version === v)!;

/**
 * The single list as releases before per-plugin tracking shipped it: migration 3 also
 * inserted the media phases' defaults, and the media tables were 4, 6 and 8.
 */
const OLD_LIST: Migration[] = [
  byVersion(1),
  byVersion(2),
  {
    ...phaseRefactorMigration,
    up(db) {
      phaseRefactorMigration.up(db);
      const insert = db.prepare('INSERT OR IGNORE INTO app_settings (key, value, updated_at) VALUES (?, ?, ?)');
      for (const [key, value] of PHASE_DEFAULTS_V3) insert.run(key, value, 1);
    },
  },
  { ...media(1), version: 4, replaces: undefined },
  byVersion(5),
  { ...media(2), version: 6, replaces: undefined },
  byVersion(7),
  { ...media(3), version: 8, replaces: undefined },
];

/** A database as the old runner left it at `version`, with a user's data in it. */
function oldDatabase(version: number): Database {
  const db = fresh();
  migrate(db, { migrations: OLD_LIST, toVersion: version });
  db.prepare(`UPDATE app_settings SET value = '7' WHERE key = 'phase.enrichment.maxPoster'`).run();
  db.prepare(`INSERT INTO app_settings (key, value) VALUES ('my.own', 'kept')`).run();
  if (version >= 4) {
    db.prepare(
      `INSERT INTO movies (library_path, path, video_file, title, file_size, mtime, scanned_at, created_at, updated_at)
       VALUES ('/m', '/m/A', '/m/A/A.mkv', 'A', 1, 1, 1, 1, 1)`,
    ).run();
  }
  return db;
}

function snapshot(db: Database): { settings: Map<string, string>; movies: unknown[] } {
  const movies = tableNames(db).includes('movies') ? db.prepare('SELECT * FROM movies ORDER BY id').all() : [];
  return { settings: settingsOf(db), movies };
}

function legacyRows(db: Database): number[] {
  return (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version);
}

describe('upgrade from the single migration list to per-plugin tracking', () => {
  it('v8: nothing runs again; the media rows move to the plugin ledger; nothing is lost', async () => {
    const db = oldDatabase(8);
    const before = snapshot(db);
    expect(migrate(db).map((s) => s.version)).toEqual(coreAfter(8));
    expect(migratePlugin(db, MEDIA)).toEqual([]);
    expect(legacyRows(db)).toEqual(CORE_VERSIONS);
    expect(pluginVersion(db, 'media')).toBe(3);
    expect(currentVersion(db)).toBe(LATEST);
    expect(snapshot(db)).toEqual(before);
    await expectQueueWorks(db);
  });

  it('v7: only the TV tables (media 3) run', () => {
    const db = oldDatabase(7);
    const before = snapshot(db);
    expect(migrate(db).map((s) => s.version)).toEqual(coreAfter(7));
    expect(migratePlugin(db, MEDIA)).toEqual([{ version: 3, name: 'tv', direction: 'up' }]);
    expect(tableNames(db)).toContain('tv_shows');
    expect(legacyRows(db)).toEqual(CORE_VERSIONS);
    expect(snapshot(db)).toEqual(before);
  });

  it('v3: the core goes on from 3, the media tables are created, the seeded settings stay as they were', () => {
    const db = oldDatabase(3);
    const before = snapshot(db);
    expect(migrate(db).map((s) => s.version)).toEqual(coreAfter(3));
    expect(migratePlugin(db, MEDIA).map((s) => s.version)).toEqual([1, 2, 3]);
    // The media migration's defaults are INSERT OR IGNORE: the user's 7 and every row stay.
    expect(snapshot(db).settings).toEqual(before.settings);
    expect(settingsOf(db).get('phase.enrichment.maxPoster')).toBe('7');
  });

  it('a v8 database opened without the media plugin keeps working; the plugin takes its rows over later', async () => {
    const db = oldDatabase(8);
    expect(migrate(db).map((s) => s.version)).toEqual(coreAfter(8));
    expect(currentVersion(db)).toBe(LATEST);
    await expectQueueWorks(db);
    expect(legacyRows(db)).toEqual([...new Set([1, 2, 3, 4, 5, 6, 7, 8, ...CORE_VERSIONS])].sort((a, b) => a - b));
    expect(migratePlugin(db, MEDIA)).toEqual([]);
    expect(legacyRows(db)).toEqual(CORE_VERSIONS);
  });

  it('rolls the media plugin back on an upgraded database, and up again', () => {
    const db = oldDatabase(8);
    migrate(db);
    migratePlugin(db, MEDIA);
    expect(rollbackPlugin(db, MEDIA, 0).map((s) => s.version)).toEqual([3, 2, 1]);
    expect(tableNames(db).filter((t) => t.startsWith('movie') || t.startsWith('tv_'))).toEqual([]);
    expect(pluginVersion(db, 'media')).toBe(0);
    expect(migratePlugin(db, MEDIA).map((s) => s.version)).toEqual([1, 2, 3]);
    expect(settingsOf(db).get('phase.enrichment.maxPoster')).toBe('7');
  });
});

describe('plugin migration sets', () => {
  const notes = (v: number): Migration => ({
    version: v,
    name: `notes_${v}`,
    up: (db) => db.exec(`CREATE TABLE notes_${v} (id INTEGER PRIMARY KEY)`),
    down: (db) => db.exec(`DROP TABLE notes_${v}`),
  });

  it('count from 1 per plugin, apart from the core and from each other', () => {
    const db = fresh();
    migrate(db);
    expect(migratePlugin(db, { name: 'notes', migrations: [notes(1), notes(2)] }).map((s) => s.version)).toEqual([1, 2]);
    expect(migratePlugin(db, { name: 'other', migrations: [{ ...notes(3), version: 1 }] }).map((s) => s.version)).toEqual([1]);
    expect(pluginVersion(db, 'notes')).toBe(2);
    expect(pluginVersion(db, 'other')).toBe(1);
    expect(currentVersion(db)).toBe(LATEST);
    expect(migratePlugin(db, { name: 'notes', migrations: [notes(1), notes(2)] })).toEqual([]);
  });

  it('refuse a ledger written by a newer release of the plugin, and a nameless set', () => {
    const db = fresh();
    migratePlugin(db, { name: 'notes', migrations: [notes(1), notes(2)] });
    expect(() => migratePlugin(db, { name: 'notes', migrations: [notes(1)] })).toThrow(/plugin "notes"/);
    expect(() => migratePlugin(db, { name: '', migrations: [notes(1)] })).toThrow(MigrationError);
  });
});
