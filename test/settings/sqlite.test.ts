import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageError, ValidationError } from '../../src/errors.js';
import { SQLiteSettingsStore } from '../../src/backends/sqlite/settings.js';
import { SQLiteJobQueueStorage } from '../../src/backends/sqlite/storage.js';
import { testSettingsStore } from './storeSuite.js';

const dirs: string[] = [];
function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phaseq-settings-'));
  dirs.push(dir);
  return path.join(dir, 'phaseq.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const fileOf = new WeakMap<object, string>();
testSettingsStore(
  'sqlite',
  async () => {
    const filename = tempFile();
    const store = new SQLiteSettingsStore({ filename });
    await store.init();
    fileOf.set(store, filename);
    return store;
  },
  async (store) => {
    const other = new SQLiteSettingsStore({ filename: fileOf.get(store)! });
    await other.init();
    return other;
  },
);

describe('SQLiteSettingsStore', () => {
  it('needs a filename or a database', () => {
    expect(() => new SQLiteSettingsStore({} as never)).toThrow(ValidationError);
  });

  it('fails with StorageError when used before init', async () => {
    const store = new SQLiteSettingsStore({ filename: tempFile() });
    await expect(store.getAll()).rejects.toBeInstanceOf(StorageError);
    await expect(store.changeToken()).rejects.toBeInstanceOf(StorageError);
  });

  it('migrates a new file: app_settings exists and holds no phase row (plugins bring their phases)', async () => {
    const store = new SQLiteSettingsStore({ filename: tempFile() });
    await store.init();
    expect(await store.getAll('phase.')).toEqual(new Map());
    await store.setMany({ 'phase.enrichment.maxPoster': '3' });
    expect((await store.getAll('phase.enrichment.')).get('phase.enrichment.maxPoster')).toBe('3');
    await store.close();
  });

  it('stores epoch-millisecond updated_at with each write', async () => {
    const file = tempFile();
    const store = new SQLiteSettingsStore({ filename: file });
    await store.init();
    const before = Date.now();
    await store.setMany({ 'host.key': 'v' });
    const row = store.database.prepare('SELECT value, updated_at FROM app_settings WHERE key = ?').get('host.key') as {
      value: string;
      updated_at: number;
    };
    expect(row.value).toBe('v');
    expect(row.updated_at).toBeGreaterThanOrEqual(before);
    await store.close();
  });

  it('writes all entries of a batch or none when the database refuses one', async () => {
    const store = new SQLiteSettingsStore({ filename: tempFile() });
    await store.init();
    // A host rule that rejects one key: the first entry of the batch must roll back with it.
    store.database.exec(
      `CREATE TRIGGER refuse_boom BEFORE INSERT ON app_settings WHEN NEW.key = 'boom'
       BEGIN SELECT RAISE(ABORT, 'boom is not allowed'); END`,
    );
    const token = await store.changeToken();
    await expect(
      store.setMany([
        ['first', '1'],
        ['boom', '2'],
      ]),
    ).rejects.toThrow(/boom is not allowed/);
    await expect(
      store.setMany([
        ['first', '1'],
        ['boom', '2'],
      ]),
    ).rejects.toBeInstanceOf(StorageError);
    expect((await store.getAll()).has('first')).toBe(false);
    expect(await store.changeToken()).toBe(token);
    await store.close();
  });

  it("sees another connection's change through the token, and ignores the queue's writes", async () => {
    const file = tempFile();
    const a = new SQLiteSettingsStore({ filename: file });
    const b = new SQLiteSettingsStore({ filename: file });
    const queue = new SQLiteJobQueueStorage({ filename: file });
    await a.init();
    await b.init();
    await queue.init();
    const t0 = await a.changeToken();

    // Jobs commits move data_version for `a`, but not the settings counter.
    await queue.add(
      [
        {
          type: 'demo',
          payload: {},
          payloadJson: '{}',
          priority: 5,
          maxRetries: 0,
          runAt: 0,
          dedupeKey: null,
          groupKey: null,
          timeoutMs: null,
          manual: false,
        },
      ],
      Date.now(),
    );
    expect(await queue.get('1')).not.toBeNull();
    expect(await a.changeToken()).toBe(t0);

    await b.setMany({ 'phase.publish.trailers': 'true' });
    const t1 = await a.changeToken();
    expect(t1).not.toBe(t0);
    expect((await a.getAll('phase.publish.')).get('phase.publish.trailers')).toBe('true');
    expect(await b.changeToken()).toBe(t1);
    await Promise.all([a.close(), b.close(), queue.close()]);
  });

  it('shares the queue storage database and leaves it open on close', async () => {
    const queue = new SQLiteJobQueueStorage({ filename: tempFile() });
    await queue.init();
    const store = new SQLiteSettingsStore({ database: queue.database });
    await store.init();
    await store.setMany({ 'phase.playerSync.notify': 'false' });
    await store.close();
    expect(queue.database.open).toBe(true);
    const row = queue.database.prepare('SELECT value FROM app_settings WHERE key = ?').get('phase.playerSync.notify');
    expect(row).toEqual({ value: 'false' });
    await queue.close();
  });

  it('notices a direct write by the host through the shared connection', async () => {
    const db = new Database(tempFile());
    const store = new SQLiteSettingsStore({ database: db });
    await store.init();
    db.prepare('INSERT INTO app_settings (key, value) VALUES (?, ?)').run('phase.enrichment.maxPoster', '3');
    const t0 = await store.changeToken();
    // Same connection: data_version does not move, so the token must rely on more than it.
    db.prepare('UPDATE app_settings SET value = ? WHERE key = ?').run('9', 'phase.enrichment.maxPoster');
    expect(await store.changeToken()).not.toBe(t0);
    await store.close();
    db.close();
  });

  it('reports a database it cannot open as StorageError', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phaseq-settings-'));
    dirs.push(dir);
    const store = new SQLiteSettingsStore({ filename: path.join(dir, 'missing', 'deeper', 'x.db') });
    await expect(store.init()).rejects.toBeInstanceOf(StorageError);
  });

  it('can be initialised twice at once and opens once', async () => {
    const store = new SQLiteSettingsStore({ filename: tempFile() });
    await Promise.all([store.init(), store.init()]);
    expect(store.database.open).toBe(true);
    await store.close();
  });
});
