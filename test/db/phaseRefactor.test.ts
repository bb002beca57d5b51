import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from 'better-sqlite3';
import { currentVersion, migrate, migratePlugin, rollback } from '../../src/db/migrate.js';
import { CORE_MIGRATIONS } from '../../src/db/migrations/index.js';
import { MEDIA_MIGRATIONS } from '../../src/media/migrations/index.js';
import { encodeField, fieldInfo } from '../../src/phases/fields.js';
import { DEFAULT_PHASE_CONFIG, MEDIA_PHASE_SCHEMAS } from '../../src/media/phases.js';
import { PhaseConfigService } from '../../src/phases/PhaseConfigService.js';
import { SQLiteSettingsStore } from '../../src/backends/sqlite/settings.js';
import { buildOldDesignDatabase, OLD_SETTINGS } from './fixtures/oldDesign.js';
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

/** The core's migrations and the media plugin's, as `createMediaPlugin` applies them. */
function migrateWithMedia(db: Database): void {
  migrate(db);
  migratePlugin(db, MEDIA);
}

/**
/**
 * Settings added by releases after migration 3. The migration's defaults are frozen (it
 * must do the same thing forever); these have no row, and the service fills in their
 * code default.
 */
const ADDED_AFTER_V3 = new Set([
  'phase.enrichment.certificationCountry',
  'phase.enrichment.maxEpisodeThumb',
  'phase.playerSync.maxWaitSeconds',
]);

/** Every phase default migration 3 knew, in its stored text form, as the code defines it now. */
function encodedDefaults(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [phase, schema] of Object.entries(MEDIA_PHASE_SCHEMAS)) {
    const values = DEFAULT_PHASE_CONFIG[phase as keyof typeof DEFAULT_PHASE_CONFIG] as Record<string, unknown>;
    for (const [field, fieldSchema] of Object.entries(schema.shape)) {
      const key = `phase.${phase}.${field}`;
      if (!ADDED_AFTER_V3.has(key)) out.set(key, encodeField(fieldInfo(fieldSchema).kind, values[field]));
    }
  }
  return out;
}

describe('migration 2: app_settings', () => {
  it('keeps an existing app_settings table and its rows, adding what is missing', () => {
    const db = fresh();
    buildOldDesignDatabase(db, { withoutUpdatedAt: true });
    migrate(db, { toVersion: 2 });
    expect(settingsOf(db)).toEqual(new Map(Object.entries(OLD_SETTINGS).sort(([a], [b]) => (a < b ? -1 : 1))));
    const columns = (db.prepare('SELECT name FROM pragma_table_info(?)').all('app_settings') as { name: string }[]).map((c) => c.name);
    expect(columns).toEqual(['key', 'value', 'updated_at']);
  });

  it('counts every change to app_settings in settings_version', () => {
    const db = fresh();
    migrate(db, { toVersion: 2 });
    const version = () => (db.prepare('SELECT version FROM settings_version').get() as { version: number }).version;
    const v0 = version();
    db.prepare(`INSERT INTO app_settings (key, value) VALUES ('a', '1')`).run();
    db.prepare(`UPDATE app_settings SET value = '2' WHERE key = 'a'`).run();
    db.prepare(`DELETE FROM app_settings WHERE key = 'a'`).run();
    expect(version()).toBe(v0 + 3);
  });

  it('down removes the table, the counter and its triggers', () => {
    const db = fresh();
    migrate(db, { toVersion: 2 });
    rollback(db, 1);
    expect(tableNames(db)).not.toContain('app_settings');
    expect(tableNames(db)).not.toContain('settings_version');
    expect(db.prepare(`SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'trigger'`).get()).toEqual({ n: 0 });
  });
});

describe('migration 3: phase refactor', () => {
  it('inserts no phase setting itself: the media plugin brings them', () => {
    const db = fresh();
    migrate(db, { toVersion: 3 });
    expect(settingsOf(db)).toEqual(new Map());
  });

  it('with the media plugin, a new database gets exactly the phase defaults of the code', () => {
    const db = fresh();
    migrate(db, { toVersion: 3 });
    migratePlugin(db, MEDIA);
    expect(settingsOf(db)).toEqual(new Map([...encodedDefaults()].sort(([a], [b]) => (a < b ? -1 : 1))));
  });

  it('uses the design text forms: numbers as decimals, booleans as words, lists as JSON', () => {
    const db = fresh();
    migrate(db, { toVersion: 3 });
    migratePlugin(db, MEDIA);
    const s = settingsOf(db);
    expect(s.get('phase.enrichment.maxPoster')).toBe('3');
    expect(s.get('phase.publish.trailers')).toBe('false');
    expect(s.get('phase.enrichment.language')).toBe('en');
    expect(JSON.parse(s.get('phase.scan.videoExtensions') ?? '')).toContain('mkv');
  });

  it('upgrades an old-design database: history and workflow switches go, user values stay', () => {
    const db = fresh();
    buildOldDesignDatabase(db);
    const steps = migrate(db);
    expect(steps.map((s) => s.version)).toEqual(CORE_MIGRATIONS.map((m) => m.version));
    expect(migratePlugin(db, MEDIA).map((s) => s.version)).toEqual([1, 2, 3]);
    expect(tableNames(db)).not.toContain('job_history');
    expect(tableNames(db)).toContain('job_queue'); // not ours to drop
    const s = settingsOf(db);
    expect([...s.keys()].filter((k) => k.startsWith('workflow.'))).toEqual([]);
    expect(s.get('workflows.note')).toBe('keep me');
    expect(s.get('my.workflow.thing')).toBe('keep me too');
    expect(s.get('recycle_bin.retention_days')).toBe('30');
    expect(s.get('phase.general.autoPublish')).toBe('false');
    // The user's values win over the defaults...
    expect(s.get('phase.enrichment.maxPoster')).toBe('7');
    expect(s.get('phase.enrichment.language')).toBe('de');
    // ...and every other default is filled in.
    for (const [key, value] of encodedDefaults()) {
      if (key !== 'phase.enrichment.maxPoster' && key !== 'phase.enrichment.language') expect(s.get(key)).toBe(value);
    }
  });

  it('the service reads the upgraded settings', async () => {
    const db = fresh();
    buildOldDesignDatabase(db);
    migrateWithMedia(db);
    const phases = new PhaseConfigService({ phases: MEDIA_PHASE_SCHEMAS, store: new SQLiteSettingsStore({ database: db }) });
    // A setting added after migration 3 has no row and takes the code's default.
    expect((await phases.getConfig('playerSync')).maxWaitSeconds).toBe(DEFAULT_PHASE_CONFIG.playerSync.maxWaitSeconds);
    const enrichment = await phases.getConfig('enrichment');
    expect(enrichment.maxPoster).toBe(7);
    expect(enrichment.language).toBe('de');
    expect(enrichment.maxFanart).toBe(5);
    // A setting newer than the migration: no row, the code default.
    expect(enrichment.certificationCountry).toBe('US');
    expect(await phases.getConfig('publish')).toEqual(DEFAULT_PHASE_CONFIG.publish);
    await phases.close();
  });

  it('the queue works after up', async () => {
    const db = fresh();
    buildOldDesignDatabase(db);
    migrateWithMedia(db);
    await expectQueueWorks(db);
  });

  it('down recreates an empty job_history and keeps the settings; the queue works after', async () => {
    const db = fresh();
    buildOldDesignDatabase(db);
    migrateWithMedia(db);
    const before = settingsOf(db);
    rollback(db, 2);
    expect(currentVersion(db)).toBe(2);
    expect(tableNames(db)).toContain('job_history');
    expect(db.prepare('SELECT COUNT(*) AS n FROM job_history').get()).toEqual({ n: 0 });
    expect(settingsOf(db)).toEqual(before);
    // An old release writes history rows again.
    db.prepare(
      `INSERT INTO job_history (job_id, type, priority, payload, status, created_at) VALUES (1, 'x', 5, '{}', 'completed', 1)`,
    ).run();
    // The jobs table is untouched by the rollback.
    db.prepare(`INSERT INTO jobs (type, payload, run_at, created_at) VALUES ('scan-movie', '{}', 0, 0)`).run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM jobs').get()).toEqual({ n: 1 });
    db.prepare('DELETE FROM jobs').run();
    // Opening the queue migrates up again (dropping the history once more) and it works.
    await expectQueueWorks(db);
    expect(tableNames(db)).not.toContain('job_history');
    expect(currentVersion(db)).toBe(Math.max(...CORE_MIGRATIONS.map((m) => m.version)));
  });

  it('up after down keeps the values set in between', () => {
    const db = fresh();
    migrateWithMedia(db);
    rollback(db, 2);
    db.prepare(`UPDATE app_settings SET value = '11' WHERE key = 'phase.enrichment.maxPoster'`).run();
    migrateWithMedia(db);
    expect(settingsOf(db).get('phase.enrichment.maxPoster')).toBe('11');
  });
});
