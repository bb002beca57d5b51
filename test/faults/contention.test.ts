/**
 * Contention: 8 processes enqueue (one transaction per job) and claim on one SQLite file
 * at the same time. No SQLITE_BUSY (or any other error) may reach a caller, nothing may
 * deadlock, and every job runs exactly once. Throughput is reported.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, SQLiteJobQueueStorage } from '../../src/index.js';
import { makeTempDir } from '../support/tmp.js';
import { reportFigures } from './support/figures.js';
import { killAll, spawnFixture, type Child } from './support/processes.js';
import { until } from './support/wait.js';

const PROCESSES = 8;
const JOBS_EACH = 1_500;
const CONCURRENCY = 2;

describe('contention: 8 processes enqueueing and claiming on one SQLite file', () => {
  const children: Child[] = [];
  let cleanup = (): void => {};
  afterEach(() => {
    killAll(children);
    cleanup();
  });

  it('no SQLITE_BUSY reaches a caller, no deadlock, every job runs once', async () => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    const db = join(tmp.dir, 'jobs.db');
    const go = join(tmp.dir, 'go');
    const registry = new HandlerRegistry();
    registry.register('contend', async () => {}, { schema: z.object({ from: z.string(), i: z.number() }) });
    const observer = new JobQueue({ storage: new SQLiteJobQueueStorage({ filename: db }), registry, logger: pino({ level: 'silent' }) });
    // Create the file and its tables once, so that the processes race on work, not on setup.
    await observer.getStats();

    for (let n = 0; n < PROCESSES; n++) {
      children.push(
        await spawnFixture('contention-process.ts', [
          db,
          join(tmp.dir, `journal-${n}.log`),
          go,
          String(JOBS_EACH),
          String(CONCURRENCY),
          `p${n}`,
        ]),
      );
    }
    await until(() => children.every((c) => c.lines.includes('ready')), { what: 'every process to be ready' });
    const t = performance.now();
    writeFileSync(go, '');
    const total = PROCESSES * JOBS_EACH;
    const journalled = (): string[] =>
      children.flatMap((_, n) => {
        const f = join(tmp.dir, `journal-${n}.log`);
        return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
      });
    await until(() => children.every((c) => c.lines.some((l) => l.startsWith('added '))), {
      timeoutMs: 150_000,
      everyMs: 200,
      what: 'every process to finish enqueueing',
    });
    const enqueueMs = performance.now() - t;
    await until(
      async () => {
        const s = await observer.getStats();
        return s.pending + s.processing === 0;
      },
      { timeoutMs: 150_000, everyMs: 200, what: 'the queue to drain' },
    );
    const drainMs = performance.now() - t;
    for (const c of children) c.child.kill('SIGTERM');
    const exits = await Promise.all(children.map((c) => c.exited));
    expect(exits.map((e) => e.code)).toEqual(children.map(() => 0));

    const errors = children.flatMap((c) => c.lines.filter((l) => l.startsWith('error ')));
    expect(errors).toEqual([]);
    const added = children.map((c) => Number(c.lines.find((l) => l.startsWith('added '))!.split(' ')[1]));
    expect(added).toEqual(children.map(() => JOBS_EACH));
    const runs = journalled();
    expect(runs).toHaveLength(total);
    expect(new Set(runs).size).toBe(total);
    expect(await observer.getStats()).toMatchObject({ pending: 0, processing: 0, failed: 0 });
    // Every process claimed some of the work.
    for (let n = 0; n < PROCESSES; n++) {
      expect(readFileSync(join(tmp.dir, `journal-${n}.log`), 'utf8').length).toBeGreaterThan(0);
    }
    const perProcessMs = children.map((c) => Number(c.lines.find((l) => l.startsWith('added '))!.split(' ')[2]));
    reportFigures('2-contention', 'Contention: 8 processes enqueueing and claiming on one SQLite file', {
      processes: PROCESSES,
      'jobs (one addJob transaction each)': total,
      'workers per process': CONCURRENCY,
      'errors reaching callers (SQLITE_BUSY or other)': errors.length,
      'all enqueued after (ms)': Math.round(enqueueMs),
      'enqueue throughput, all processes (jobs/s)': Math.round(total / (enqueueMs / 1000)),
      'slowest process enqueue (ms)': Math.max(...perProcessMs),
      'all run after (ms)': Math.round(drainMs),
      'end-to-end throughput (jobs/s)': Math.round(total / (drainMs / 1000)),
    });
    await observer.stop();
  });
});
