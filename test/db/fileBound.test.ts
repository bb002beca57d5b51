/**
 * The stores that open their own SQLite connection (settings, schedules) stay bound to
 * their file: while it is deleted, moved away or replaced, every call fails with a
 * StorageError naming the file and nothing is written; when the file is back, they carry
 * on, and a file restored at the path after a gap is opened anew.
 */
import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { SQLiteScheduleStore } from '../../src/backends/sqlite/scheduleStore.js';
import type { ScheduleDefinition } from '../../src/scheduler/ScheduleStore.js';
import { SQLiteSettingsStore } from '../../src/backends/sqlite/settings.js';
import { CHECK_EVERY_MS } from '../../src/backends/sqlite/fileGuard.js';
import { makeTempDir, sleep } from '../support/tmp.js';

/** Moves a database with its -wal and -shm files, as `mv` of the three would. */
function moveDb(from: string, to: string): void {
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(from + suffix)) renameSync(from + suffix, to + suffix);
}

/** Lets the next call look at the file again (looks are at most every CHECK_EVERY_MS). */
const nextLook = (): Promise<void> => sleep(CHECK_EVERY_MS + 20);

async function rejection(call: Promise<unknown>): Promise<StorageError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageError);
  return error as StorageError;
}

function schedule(name: string): ScheduleDefinition {
  return { name, cron: null, everyMs: 60_000, tz: null, catchUp: false, jobType: 'tick', payloadJson: '{}', priority: 5 };
}

let tmp: ReturnType<typeof makeTempDir>;
let file: string;
beforeEach(() => {
  tmp = makeTempDir('phaseq-filebound-');
  file = join(tmp.dir, 'phaseq.db');
});
afterEach(() => tmp.cleanup());

describe('SQLiteSettingsStore bound to its file', () => {
  it('refuses every call while the file is moved away, stores nothing, and carries on when it is back', async () => {
    const store = new SQLiteSettingsStore({ filename: file });
    await store.init();
    await store.setMany({ 'host.a': '1' });
    const token = await store.changeToken();

    moveDb(file, join(tmp.dir, 'away.db'));
    await nextLook();
    const error = await rejection(store.setMany({ 'host.a': '2', 'host.b': '2' }));
    expect(error.reason).toBe('DATABASE_FILE_DELETED');
    expect(error.message).toContain(file);
    expect((await rejection(store.getAll())).reason).toBe('DATABASE_FILE_DELETED');
    expect((await rejection(store.changeToken())).reason).toBe('DATABASE_FILE_DELETED');
    expect((await rejection(store.deleteMany(['host.a']))).reason).toBe('DATABASE_FILE_DELETED');
    expect(() => store.database).toThrow(StorageError);

    moveDb(join(tmp.dir, 'away.db'), file);
    await nextLook();
    expect(Object.fromEntries(await store.getAll('host.'))).toEqual({ 'host.a': '1' });
    expect(await store.changeToken()).toBe(token);
    await store.setMany({ 'host.a': '3' });
    expect(await store.changeToken()).not.toBe(token);
    await store.close();
    // What it wrote after the return is in the file at the path.
    const check = new Database(file, { readonly: true });
    expect(check.prepare("SELECT value FROM app_settings WHERE key = 'host.a'").pluck().get()).toBe('3');
    check.close();
  });

  it('refuses a file put in its place without a gap: another database, not a restore', async () => {
    const other = join(tmp.dir, 'other.db');
    const seed = new SQLiteSettingsStore({ filename: other });
    await seed.init();
    await seed.setMany({ 'host.a': 'other' });
    await seed.close();
    const store = new SQLiteSettingsStore({ filename: file });
    await store.init();
    await store.setMany({ 'host.a': 'mine' });

    moveDb(file, join(tmp.dir, 'mine.db'));
    moveDb(other, file);
    await nextLook();
    expect((await rejection(store.getAll())).reason).toBe('DATABASE_FILE_REPLACED');
    expect((await rejection(store.setMany({ 'host.a': 'lost' }))).reason).toBe('DATABASE_FILE_REPLACED');
    await store.close();
    const check = new Database(file, { readonly: true });
    expect(check.prepare("SELECT value FROM app_settings WHERE key = 'host.a'").pluck().get()).toBe('other');
    check.close();
  });

  it('opens a copy restored at the path after a gap, and never creates an empty file meanwhile', async () => {
    const store = new SQLiteSettingsStore({ filename: file });
    await store.init();
    await store.setMany({ 'host.a': 'kept' });
    // A backup taken while in use: the WAL's content checkpointed into the copy.
    store.database.pragma('wal_checkpoint(TRUNCATE)');
    copyFileSync(file, join(tmp.dir, 'backup.db'));

    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    await nextLook();
    expect((await rejection(store.getAll())).reason).toBe('DATABASE_FILE_DELETED');
    expect(existsSync(file)).toBe(false);

    copyFileSync(join(tmp.dir, 'backup.db'), file);
    await nextLook();
    expect(Object.fromEntries(await store.getAll('host.'))).toEqual({ 'host.a': 'kept' });
    await store.setMany({ 'host.a': 'after' });
    expect((await store.getAll('host.')).get('host.a')).toBe('after');
    await store.close();
  });

  it('on a database the host opened, reports the loss and leaves reopening to the host', async () => {
    const db = new Database(file);
    const store = new SQLiteSettingsStore({ database: db });
    await store.init();
    await store.setMany({ 'host.a': '1' });
    moveDb(file, join(tmp.dir, 'away.db'));
    await nextLook();
    expect((await rejection(store.setMany({ 'host.a': '2' }))).reason).toBe('DATABASE_FILE_DELETED');
    moveDb(join(tmp.dir, 'away.db'), file);
    await nextLook();
    expect((await store.getAll('host.')).get('host.a')).toBe('1');
    await store.close();
    // The host's connection stays open: closing it is the host's to do.
    expect(db.open).toBe(true);
    db.close();
  });
});

describe('SQLiteScheduleStore bound to its file', () => {
  it('refuses every call while the file is moved away, changes nothing, and carries on when it is back', async () => {
    const store = new SQLiteScheduleStore({ filename: file });
    await store.init();
    expect(await store.upsert(schedule('a'), 1000, 0)).toBe('created');

    moveDb(file, join(tmp.dir, 'away.db'));
    await nextLook();
    expect((await rejection(store.advance('a', 1000, 1000, 61_000, 1))).reason).toBe('DATABASE_FILE_DELETED');
    expect((await rejection(store.upsert(schedule('b'), 1000, 1))).reason).toBe('DATABASE_FILE_DELETED');
    expect((await rejection(store.list())).reason).toBe('DATABASE_FILE_DELETED');

    moveDb(join(tmp.dir, 'away.db'), file);
    await nextLook();
    expect((await store.list()).map((s) => [s.name, s.nextRunAt])).toEqual([['a', 1000]]);
    expect(await store.advance('a', 1000, 1000, 61_000, 2)).toBe(true);
    store.close();
  });
});
