import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { expect } from 'vitest';
import { SQLiteJobQueueStorage } from '../../src/backends/sqlite/storage.js';

/** A new database file in its own temp dir; `cleanup` closes it and removes the dir. */
export function tempDatabase(): { db: SqliteDatabase; file: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phaseq-db-'));
  const file = path.join(dir, 'phaseq.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  return {
    db,
    file,
    cleanup: () => {
      if (db.open) db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function tableNames(db: SqliteDatabase): string[] {
  return (
    db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as {
      name: string;
    }[]
  ).map((r) => r.name);
}

export function settingsOf(db: SqliteDatabase): Map<string, string> {
  const rows = db.prepare('SELECT key, value FROM app_settings ORDER BY key').all() as { key: string; value: string }[];
  return new Map(rows.map((r) => [r.key, r.value]));
}

/** Adds, claims and completes one job through the real queue storage on `db`. */
export async function expectQueueWorks(db: SqliteDatabase): Promise<void> {
  const storage = new SQLiteJobQueueStorage({ database: db });
  await storage.init();
  const now = Date.now();
  const [added] = await storage.add(
    [
      {
        type: 'scan-movie',
        payload: { path: '/movies/A' },
        payloadJson: JSON.stringify({ path: '/movies/A' }),
        priority: 5,
        maxRetries: 1,
        runAt: now,
        dedupeKey: null,
        groupKey: null,
        timeoutMs: null,
        manual: false,
      },
    ],
    now,
  );
  expect(added?.created).toBe(true);
  const claimed = await storage.claim('worker-1', 5, now, 30_000);
  expect(claimed.map((j) => j.id)).toEqual([added?.id]);
  expect(claimed[0]?.payload).toEqual({ path: '/movies/A' });
  expect(await storage.complete([{ id: added!.id, workerId: 'worker-1' }])).toBe(1);
  expect(await storage.get(added!.id)).toBeNull();
  await storage.close();
  expect(db.open).toBe(true);
}
