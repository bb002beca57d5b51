/**
 * Background WAL checkpoints: the thread copies committed pages into the database file
 * without a commit on the event loop doing it, falls back to SQLite's own checkpoints
 * when it cannot run, and stops with the storage.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SQLiteJobQueueStorage } from '../../src/index.js';
import type { NewJob } from '../../src/storage/types.js';
import { startCheckpointer } from '../../src/backends/sqlite/checkpointer.js';
import { newJob } from '../support/jobs.js';
import { makeTempDir, sleep, waitFor } from '../support/tmp.js';

const temps: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of temps.splice(0)) cleanup();
});

function tempFile(): string {
  const { dir, cleanup } = makeTempDir('phaseq-ckpt-');
  temps.push(cleanup);
  return join(dir, 'jobs.db');
}

/** ~200 pages of rows: far below both SQLite's default threshold (1,000) and the backstop. */
const jobs = (n: number): NewJob[] =>
  Array.from({ length: n }, (_, i) =>
    newJob({ type: 'noop', payload: { i }, payloadJson: JSON.stringify({ i, pad: 'x'.repeat(300) }), runAt: 0 }),
  );

describe('background WAL checkpoints', () => {
  it('copies committed pages into the database file without any commit doing it', async () => {
    const filename = tempFile();
    const storage = new SQLiteJobQueueStorage({ filename });
    await storage.init();
    const before = statSync(filename).size;
    await storage.add(jobs(2000), Date.now());
    // Only a checkpoint writes the main file; no commit here reaches an automatic one.
    await waitFor(() => statSync(filename).size > before + 256 * 1024, 10_000, 'the thread to checkpoint');
    expect(storage.database.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    await storage.close();
  });

  it('with backgroundCheckpoints: false, the same writes leave the database file as it was', async () => {
    const filename = tempFile();
    const storage = new SQLiteJobQueueStorage({ filename, backgroundCheckpoints: false });
    await storage.init();
    const before = statSync(filename).size;
    await storage.add(jobs(2000), Date.now());
    await sleep(500);
    expect(statSync(filename).size).toBe(before);
    expect(storage.database.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000);
    await storage.close();
  });

  it('a thread that cannot open its database reports the failure once, saying why', async () => {
    // A missing directory (better-sqlite3's own check) and a missing file in an existing
    // one (SQLite's SQLITE_CANTOPEN, whose error class does not survive a thread boundary).
    const cases = [
      { filename: join(tempFile(), 'missing', 'nothing.db'), why: /^WAL checkpoint thread failed: .*directory does not exist/ },
      { filename: tempFile(), why: /^WAL checkpoint thread failed: SQLITE_CANTOPEN: unable to open database file$/ },
    ];
    for (const { filename, why } of cases) {
      const failures: Error[] = [];
      const checkpointer = startCheckpointer({ filename, onFailure: (error) => failures.push(error) });
      await waitFor(() => failures.length > 0, 10_000, 'the failure report');
      await checkpointer.stop();
      expect(failures).toHaveLength(1);
      expect(failures[0]).toBeInstanceOf(Error);
      expect(failures[0]!.message).toMatch(why);
    }
  });

  it('close() stops the thread; the file can then be opened exclusively', async () => {
    const filename = tempFile();
    const storage = new SQLiteJobQueueStorage({ filename });
    await storage.init();
    await storage.add(jobs(10), Date.now());
    await storage.close();
    // With every connection closed, the WAL was checkpointed and removed by the last one.
    const db = new Database(filename);
    db.pragma('locking_mode = EXCLUSIVE');
    expect(db.prepare('SELECT COUNT(*) AS n FROM jobs').get()).toEqual({ n: 10 });
    db.close();
  });
});
