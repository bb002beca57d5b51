/**
 * Two real processes share one database file and both declare the same 1-second
 * schedule for about ten seconds. Every tick must be enqueued, and run, exactly once:
 * each job appends its tick's dedupe key to a shared log, and a tick enqueued by both
 * processes would show up twice (a job's row is deleted when it completes, so the dedupe
 * key alone would not stop the second process).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'tickProcess.ts');

interface Child {
  child: ChildProcess;
  ready: Promise<void>;
  done: Promise<{ pid: number; enqueued: number[] }>;
}

function startChild(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before ready: ${stderr}`)));
  });
  const done = new Promise<{ pid: number; enqueued: number[] }>((resolve, reject) => {
    child.once('exit', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new Error(`child exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(last) as { pid: number; enqueued: number[] });
    });
  });
  return { child, ready, done };
}

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('two processes, one database, one 1-second schedule', () => {
  it('enqueues and runs every tick exactly once', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'phaseq-sched-'));
    const env = { DB_FILE: path.join(dir, 'phaseq.db'), RAN_LOG: path.join(dir, 'ran.log'), DURATION_MS: '10000' };
    // The first process creates the database; the second then opens a migrated file.
    const a = startChild(env);
    await a.ready;
    const b = startChild(env);
    await b.ready;
    a.child.stdin?.write('go\n');
    b.child.stdin?.write('go\n');
    const [ra, rb] = await Promise.all([a.done, b.done]);

    const lines = existsSync(env.RAN_LOG) ? readFileSync(env.RAN_LOG, 'utf8').trim().split('\n') : [];
    const keys = lines.map((l) => l.split(' ')[0]!);
    const ticks = keys.map((k) => Number(k.replace('schedule:every-second:', ''))).sort((x, y) => x - y);

    // Every run is a distinct tick: no tick ran twice.
    expect(new Set(keys).size).toBe(keys.length);
    // What ran is exactly what the two processes say they enqueued, and nobody enqueued a tick twice.
    const enqueued = [...ra.enqueued, ...rb.enqueued].sort((x, y) => x - y);
    expect(new Set(enqueued).size).toBe(enqueued.length);
    expect(ticks).toEqual(enqueued);
    // About ten seconds of ticks, one per second with none missing in between.
    expect(ticks.length).toBeGreaterThanOrEqual(8);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBe(1000);

    const db = new Database(env.DB_FILE, { readonly: true });
    try {
      expect((db.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number }).n).toBe(0);
      const row = db.prepare('SELECT last_tick FROM schedules WHERE name = ?').get('every-second') as { last_tick: number };
      expect(row.last_tick).toBe(ticks[ticks.length - 1]);
    } finally {
      db.close();
    }
    console.log(`ticks=${ticks.length} by pid ${ra.pid}: ${ra.enqueued.length}, by pid ${rb.pid}: ${rb.enqueued.length}`);
  }, 60_000);
});
