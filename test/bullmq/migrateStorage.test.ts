/**
 * migrateStorage from a real SQLite file (built by the real migrations) to Redis: 1,000
 * pending and delayed jobs and changed phase settings move, with priority, run time and
 * attempts; it refuses while a worker holds a live lease; re-runs store nothing twice;
 * and a queue on Redis then runs every moved job exactly once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { QueueStateError, ValidationError } from '../../src/errors.js';
import { HandlerRegistry } from '../../src/handlers/HandlerRegistry.js';
import { PhaseConfigService } from '../../src/phases/PhaseConfigService.js';
import { JobQueue } from '../../src/JobQueue.js';
import { RedisSettingsStore } from '../../src/backends/redis/settings.js';
import { SQLiteSettingsStore } from '../../src/backends/sqlite/settings.js';
import { BullMQJobQueueStorage } from '../../src/backends/redis/storage.js';
import { migrateStorageByUrl } from '../../src/backends/redis/migrateByUrl.js';
import { migrateStorage } from '../../src/storage/migrateStorage.js';
import { SQLiteJobQueueStorage } from '../../src/backends/sqlite/storage.js';
import type { NewJob } from '../../src/storage/types.js';
import type { Job } from '../../src/types.js';
import { deletePrefix, freshPrefix, REDIS_URL, redisSkipReason } from './redisTestEnv.js';
import { MEDIA_PHASE_SCHEMAS } from '../../src/media/phases.js';

const skip = await redisSkipReason();

function newJob(n: number, now: number): NewJob {
  const payload = { n };
  return {
    type: 'migrated',
    payload,
    payloadJson: JSON.stringify(payload),
    priority: n % 50 === 0 ? 1 : (n % 10) + 1,
    maxRetries: 3,
    // Every fourth job is delayed, by up to a second.
    runAt: n % 4 === 0 ? now + 200 + (n % 800) : now - 1,
    dedupeKey: n % 100 === 0 ? `key-${n}` : null,
    groupKey: n % 3 === 0 ? `group-${n % 5}` : null,
    timeoutMs: null,
    manual: n % 7 === 0,
  };
}

/** The fields a move must keep, keyed by payload (ids change). */
function snapshot(jobs: Job[]): Map<number, Record<string, unknown>> {
  return new Map(
    jobs.map((j) => [
      (j.payload as { n: number }).n,
      {
        priority: j.priority,
        runAt: j.runAt,
        attempts: j.attempts,
        dedupeKey: j.dedupeKey,
        groupKey: j.groupKey,
        manual: j.manual,
        lastError: j.lastError,
      },
    ]),
  );
}

async function listAll(storage: SQLiteJobQueueStorage | BullMQJobQueueStorage, now: number): Promise<Job[]> {
  const out: Job[] = [];
  for (const state of ['pending', 'delayed'] as const) {
    for (let offset = 0; ; offset += 1000) {
      const page = await storage.list({ state, limit: 1000, offset }, now);
      out.push(...page);
      if (page.length < 1000) break;
    }
  }
  return out;
}

describe.skipIf(skip !== null)(`migrateStorage SQLite -> Redis${skip ? ` — skipped: ${skip}` : ''}`, () => {
  let dir: string;
  let prefix: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phaseq-migrate-'));
    prefix = freshPrefix();
  });

  afterEach(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await deletePrefix(prefix);
  });

  it('moves 1,000 pending and delayed jobs and the settings; workers on Redis finish them all', async () => {
    const file = path.join(dir, 'phaseq.db');
    const source = new SQLiteJobQueueStorage({ filename: file });
    const sourceSettings = new SQLiteSettingsStore({ filename: file });
    const target = new BullMQJobQueueStorage({ connection: REDIS_URL, prefix });
    const targetSettings = new RedisSettingsStore({ connection: REDIS_URL, prefix });
    await Promise.all([source.init(), sourceSettings.init(), target.init(), targetSettings.init()]);
    try {
      const now = Date.now();
      await source.add(
        Array.from({ length: 1000 }, (_, i) => newJob(i + 1, now)),
        now,
      );
      // Ten jobs already failed once: they wait for their retry, with attempts = 1.
      const tried = await source.claim('old-worker', 10, now, 60_000);
      for (const j of tried) {
        await source.fail({ id: j.id, workerId: 'old-worker' }, { error: 'first try failed', retryAt: now + 300, retain: false }, now);
      }
      const sourcePhases = new PhaseConfigService({ phases: MEDIA_PHASE_SCHEMAS, store: sourceSettings });
      await sourcePhases.set('enrichment.maxPoster', 7);
      await sourcePhases.set('scan.minFileSizeMB', 123);
      await source.pause('held-type', now);
      const before = snapshot(await listAll(source, now));
      expect(before.size).toBe(1000);
      // A schedule that already fired once: its next run and last tick must move with it.
      const sourceSchedules = source.scheduleStore();
      await sourceSchedules.init();
      const nightly = {
        name: 'nightly',
        cron: '30 4 * * *',
        everyMs: null,
        tz: 'Europe/Paris',
        catchUp: true,
        jobType: 'migrated',
        payloadJson: '{"n":0}',
        priority: 3,
      };
      await sourceSchedules.upsert(nightly, now + 1000, now);
      expect(await sourceSchedules.advance('nightly', now + 1000, now + 1000, now + 86_400_000, now)).toBe(true);

      // A worker holding a live lease on the source: refused, nothing moved.
      const [running] = await source.claim('live-worker', 1, now, 60_000);
      await expect(
        migrateStorage({ from: { storage: source, settings: sourceSettings }, to: { storage: target, settings: targetSettings } }),
      ).rejects.toBeInstanceOf(QueueStateError);
      expect((await target.stats(now)).pending + (await target.stats(now)).delayed).toBe(0);
      await source.release([{ id: running!.id, workerId: 'live-worker' }]);

      // Copy, then re-run the copy: the second run stores nothing new.
      const from = { storage: source, settings: sourceSettings };
      const to = { storage: target, settings: targetSettings };
      const first = await migrateStorage({ from, to, keepSource: true, batchSize: 300 });
      expect(first).toMatchObject({ moved: 1000, alreadyMoved: 0, dedupeConflicts: [] });
      const sourceAll = await sourceSettings.getAll();
      expect(first.settings).toBe(sourceAll.size);
      expect(await targetSettings.getAll()).toEqual(sourceAll);
      expect(first.schedules).toBe(1);
      expect(first.pauses).toBe(1);
      expect(await target.pauseState()).toEqual({ queue: false, types: ['held-type'] });
      expect(await target.scheduleStore().get('nightly')).toMatchObject({ ...nightly, lastTick: now + 1000, nextRunAt: now + 86_400_000 });
      const again = await migrateStorage({ from, to, keepSource: true });
      expect(again).toMatchObject({ moved: 0, alreadyMoved: 1000, schedules: 0, pauses: 0 });
      // The real move: nothing new stored, the source emptied.
      const last = await migrateStorage({ from, to });
      expect(last).toMatchObject({ moved: 0, alreadyMoved: 1000 });
      const sourceStats = await source.stats(Date.now());
      expect(sourceStats.pending + sourceStats.delayed + sourceStats.processing).toBe(0);

      const moved = await listAll(target, now);
      expect(moved).toHaveLength(1000);
      expect(snapshot(moved)).toEqual(before);
      expect(moved.filter((j) => j.attempts === 1)).toHaveLength(10);
      expect(moved.filter((j) => j.groupKey !== null).length).toBeGreaterThan(300);

      // Settings arrived: the same service reads them from Redis.
      const targetPhases = new PhaseConfigService({ phases: MEDIA_PHASE_SCHEMAS, store: targetSettings });
      expect((await targetPhases.getConfig('enrichment')).maxPoster).toBe(7);
      expect((await targetPhases.getConfig('scan')).minFileSizeMB).toBe(123);

      // Workers on Redis run every moved job exactly once.
      const ran = new Map<number, number>();
      const registry = new HandlerRegistry();
      registry.register(
        'migrated',
        async (job) => {
          const { n } = job.payload;
          ran.set(n, (ran.get(n) ?? 0) + 1);
        },
        { schema: z.object({ n: z.number() }) },
      );
      const queue = new JobQueue({ storage: target, registry, concurrency: 20, logger: pino({ level: 'silent' }) });
      await queue.start();
      try {
        await expect.poll(() => ran.size, { timeout: 30_000, interval: 50 }).toBe(1000);
        const stats = await target.stats(Date.now());
        await expect.poll(async () => (await target.stats(Date.now())).processing, { timeout: 10_000 }).toBe(0);
        expect(stats.pending + stats.delayed).toBe(0);
      } finally {
        await queue.stop({ timeoutMs: 5000 });
      }
      expect([...ran.values()].every((count) => count === 1)).toBe(true);
    } finally {
      await Promise.all([source.close(), sourceSettings.close(), target.close(), targetSettings.close()]);
    }
  });
});

describe.skipIf(skip !== null)(`migrateStorageByUrl${skip ? ` — skipped: ${skip}` : ''}`, () => {
  let dir: string;
  let prefix: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phaseq-migrate-url-'));
    prefix = freshPrefix();
  });

  afterEach(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await deletePrefix(prefix);
  });

  it('rejects locations it cannot use, naming them, before touching anything', async () => {
    const missing = path.join(dir, 'missing.db');
    await expect(migrateStorageByUrl({ from: './x.db', to: 'http://x' })).rejects.toMatchObject({
      issues: [
        { path: 'from', message: expect.stringContaining('sqlite:') },
        { path: 'to', message: expect.stringContaining('redis://') },
      ],
    });
    await expect(migrateStorageByUrl({ from: `sqlite:${missing}`, to: REDIS_URL, prefix })).rejects.toBeInstanceOf(ValidationError);
    expect(fs.existsSync(missing)).toBe(false);
  });

  it('opens both ends from their locations, moves jobs and settings, and closes them', async () => {
    const file = path.join(dir, 'phaseq.db');
    const source = new SQLiteJobQueueStorage({ filename: file });
    await source.init();
    const now = Date.now();
    await source.add(
      Array.from({ length: 25 }, (_, i) => newJob(i + 1, now)),
      now,
    );
    const settings = new SQLiteSettingsStore({ database: source.database });
    await settings.init();
    await settings.setMany({ 'custom.key': 'moved' });
    await source.close();

    const report = await migrateStorageByUrl({ from: `sqlite:${file}`, to: REDIS_URL, prefix });
    expect(report).toMatchObject({ moved: 25, alreadyMoved: 0 });

    const target = new BullMQJobQueueStorage({ connection: REDIS_URL, prefix });
    const targetSettings = new RedisSettingsStore({ connection: REDIS_URL, prefix });
    await Promise.all([target.init(), targetSettings.init()]);
    try {
      const stats = await target.stats(now);
      expect(stats.pending + stats.delayed).toBe(25);
      expect((await targetSettings.getAll('custom.')).get('custom.key')).toBe('moved');
    } finally {
      await Promise.all([target.close(), targetSettings.close()]);
    }
  });
});
