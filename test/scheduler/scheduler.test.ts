/**
 * Scheduler behaviour on a real SQLite file built by the migrations (and on the memory
 * store): declaring, listing, validation, catch-up after downtime, "run now", and two
 * schedulers racing for the same tick. The clock is injected so "the process was down
 * for ten minutes" needs no waiting.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NotFoundError, UnknownJobTypeError, ValidationError } from '../../src/errors.js';
import { HandlerRegistry } from '../../src/handlers/HandlerRegistry.js';
import { JobQueue } from '../../src/JobQueue.js';
import { createScheduler } from '../../src/scheduler/attach.js';
import { MemoryScheduleStore } from '../../src/backends/memory/scheduleStore.js';
import { SQLiteScheduleStore } from '../../src/backends/sqlite/scheduleStore.js';
import { latestTickAtOrBefore, nextTickAfter } from '../../src/scheduler/ticks.js';
import { MemoryJobQueueStorage } from '../../src/backends/memory/storage.js';
import { SQLiteJobQueueStorage } from '../../src/backends/sqlite/storage.js';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0); // a Monday, noon UTC
const MIN = 60_000;

function registry(): HandlerRegistry {
  const r = new HandlerRegistry();
  r.register('report', async () => undefined, { schema: z.strictObject({ kind: z.enum(['daily', 'weekly']) }) });
  return r;
}

let dir = '';
let clock = T0;
const now = (): number => clock;
const queues: JobQueue[] = [];

function sqliteQueue(file = path.join(dir, 'phaseq.db')): JobQueue {
  const q = new JobQueue({
    storage: new SQLiteJobQueueStorage({ filename: file }),
    registry: registry(),
    logger: pino({ level: 'silent' }),
  });
  queues.push(q);
  return q;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'phaseq-sched-'));
  clock = T0;
});
afterEach(async () => {
  for (const q of queues.splice(0)) {
    await q.stop();
    // Schedulers made with createScheduler(q) open the storage themselves.
    await q.storage.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('tick arithmetic', () => {
  it('interval ticks fall on whole multiples; cron ticks follow croner in the given zone', () => {
    expect(nextTickAfter({ cron: null, everyMs: MIN, tz: null }, T0)).toBe(T0 + MIN);
    expect(nextTickAfter({ cron: null, everyMs: MIN, tz: null }, T0 + 1)).toBe(T0 + MIN);
    expect(latestTickAtOrBefore({ cron: null, everyMs: MIN, tz: null }, T0 + MIN - 1)).toBe(T0);
    // 03:00 in Paris is 02:00 UTC in January.
    const paris = { cron: '0 3 * * *', everyMs: null, tz: 'Europe/Paris' };
    expect(new Date(nextTickAfter(paris, T0)!).toISOString()).toBe('2026-01-06T02:00:00.000Z');
    expect(new Date(latestTickAtOrBefore(paris, T0)!).toISOString()).toBe('2026-01-05T02:00:00.000Z');
  });
});

describe('declaring and listing schedules', () => {
  it('stores a schedule with its next run time, and re-declaring it unchanged keeps that time', async () => {
    const q = sqliteQueue();
    const s = createScheduler(q, undefined, { now });
    const info = await s.schedule('daily-report', { cron: '0 3 * * *' }, { type: 'report', payload: { kind: 'daily' } }, { tz: 'UTC' });
    expect(info).toMatchObject({ name: 'daily-report', cron: '0 3 * * *', everyMs: null, tz: 'UTC', catchUp: false, lastRunAt: null });
    expect(info.job).toEqual({ type: 'report', payload: { kind: 'daily' }, priority: 5 });
    expect(new Date(info.nextRunAt!).toISOString()).toBe('2026-01-06T03:00:00.000Z');

    clock = T0 + 5 * MIN;
    const again = await s.schedule('daily-report', { cron: '0 3 * * *' }, { type: 'report', payload: { kind: 'daily' } }, { tz: 'UTC' });
    expect(again.nextRunAt).toBe(info.nextRunAt);
    // A changed definition starts over from its own next tick.
    const changed = await s.schedule('daily-report', { everyMs: 10 * MIN }, { type: 'report', payload: { kind: 'daily' } });
    expect(changed.nextRunAt).toBe(T0 + 10 * MIN);
    expect((await s.listSchedules()).map((x) => x.name)).toEqual(['daily-report']);
  });

  it('a second scheduler on the same file sees the schedules of the first', async () => {
    const s1 = createScheduler(sqliteQueue(), undefined, { now });
    await s1.schedule('weekly', { cron: '0 4 * * 1' }, { type: 'report', payload: { kind: 'weekly' }, priority: 8 });
    const s2 = createScheduler(sqliteQueue(), undefined, { now });
    const list = await s2.listSchedules();
    expect(list).toHaveLength(1);
    expect(list[0]!.job.priority).toBe(8);
    expect(await s2.unschedule('weekly')).toBe(true);
    expect(await s1.listSchedules()).toEqual([]);
    expect(await s1.unschedule('weekly')).toBe(false);
  });

  it('rejects bad schedules with a ValidationError naming the field, and stores nothing', async () => {
    const s = createScheduler(sqliteQueue(), undefined, { now });
    const job = { type: 'report', payload: { kind: 'daily' } } as const;
    const cases: [() => Promise<unknown>, string][] = [
      [() => s.schedule('bad name!', { everyMs: MIN }, job), 'name'],
      [() => s.schedule('x', { everyMs: 10 }, job), 'trigger.everyMs'],
      [() => s.schedule('x', { cron: '61 * * * *' }, job), 'trigger.cron'],
      [() => s.schedule('x', { cron: '0 3 * * *' }, job, { tz: 'Nowhere/Atlantis' }), 'options.tz'],
      [() => s.schedule('x', { everyMs: MIN }, job, { tz: 'UTC' }), 'options.tz'],
      [() => s.schedule('x', { everyMs: MIN }, { ...job, priority: 11 }), 'job.priority'],
      [() => s.schedule('x', { everyMs: MIN }, { type: 'report', payload: { kind: 'hourly' } }), 'payload.kind'],
    ];
    for (const [call, field] of cases) {
      const error = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, field).toBeInstanceOf(ValidationError);
      expect(
        (error as ValidationError).issues.map((i) => i.path),
        field,
      ).toContain(field);
    }
    await expect(s.schedule('x', { everyMs: MIN }, { type: 'nope', payload: {} })).rejects.toBeInstanceOf(UnknownJobTypeError);
    expect(await s.listSchedules()).toEqual([]);
  });
});

describe('firing ticks', () => {
  /** A scheduler with its default store: the `schedules` table on SQLite, memory on the memory storage. */
  async function setup(backend: 'sqlite' | 'memory' = 'sqlite', catchUp = false) {
    const q =
      backend === 'memory'
        ? new JobQueue({ storage: new MemoryJobQueueStorage(), registry: registry(), logger: pino({ level: 'silent' }) })
        : sqliteQueue();
    if (backend === 'memory') queues.push(q);
    const s = createScheduler(q, undefined, { now });
    expect(s.store).toBeInstanceOf(backend === 'memory' ? MemoryScheduleStore : SQLiteScheduleStore);
    await s.schedule('every-minute', { everyMs: MIN }, { type: 'report', payload: { kind: 'daily' }, priority: 3 }, { catchUp });
    return { q, s };
  }

  for (const backend of ['sqlite', 'memory'] as const) {
    it(`${backend}: a due tick enqueues one job with the tick's dedupe key, then waits for the next`, async () => {
      const { q, s } = await setup(backend);
      await s.runDue();
      expect(await q.listJobs()).toEqual([]);
      clock = T0 + MIN + 200;
      await s.runDue();
      await s.runDue();
      const jobs = await q.listJobs();
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({
        type: 'report',
        payload: { kind: 'daily' },
        priority: 3,
        dedupeKey: `schedule:every-minute:${T0 + MIN}`,
      });
      const [info] = await s.listSchedules();
      expect(info).toMatchObject({ lastRunAt: T0 + MIN, nextRunAt: T0 + 2 * MIN });
    });
  }

  it('missed ticks are skipped when no process ran, without catchUp', async () => {
    const { q, s } = await setup();
    const skipped: number[] = [];
    s.on('schedule:skipped', ({ missedTick }) => skipped.push(missedTick));
    clock = T0 + 10 * MIN + 30_000; // ten ticks passed while nothing ran
    await s.runDue();
    expect(await q.listJobs()).toEqual([]);
    expect(skipped).toEqual([T0 + 10 * MIN]);
    const [info] = await s.listSchedules();
    expect(info).toMatchObject({ lastRunAt: null, nextRunAt: T0 + 11 * MIN });
  });

  it('missed ticks run once on start with catchUp, whoever starts first', async () => {
    const { q, s } = await setup('sqlite', true);
    await s.stop();
    clock = T0 + 10 * MIN + 30_000;
    // A second process starts after the downtime: same file, same declaration.
    const other = createScheduler(sqliteQueue(), undefined, { now });
    await other.schedule('every-minute', { everyMs: MIN }, { type: 'report', payload: { kind: 'daily' }, priority: 3 }, { catchUp: true });
    await Promise.all([other.runDue(), s.runDue()]);
    const jobs = await q.listJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.dedupeKey).toBe(`schedule:every-minute:${T0 + 10 * MIN}`);
    expect((await s.listSchedules())[0]).toMatchObject({ lastRunAt: T0 + 10 * MIN, nextRunAt: T0 + 11 * MIN });
  });

  it('two schedulers racing on one tick enqueue it once, even after its job is gone', async () => {
    const file = path.join(dir, 'race.db');
    const q1 = sqliteQueue(file);
    const q2 = sqliteQueue(file);
    const s1 = createScheduler(q1, undefined, { now });
    const s2 = createScheduler(q2, new SQLiteScheduleStore({ filename: file }), { now });
    await s1.schedule('every-minute', { everyMs: MIN }, { type: 'report', payload: { kind: 'daily' } });
    await s2.schedule('every-minute', { everyMs: MIN }, { type: 'report', payload: { kind: 'daily' } });
    const ids: string[] = [];
    s1.on('schedule:enqueued', ({ jobId }) => ids.push(jobId));
    s2.on('schedule:enqueued', ({ jobId }) => ids.push(jobId));
    clock = T0 + MIN;
    await Promise.all([s1.runDue(), s2.runDue()]);
    expect(ids).toHaveLength(1);
    // The job completes (its row is deleted); a late pass must not enqueue the tick again.
    expect(await q1.cancelJob(ids[0]!)).toBe('cancelled');
    await Promise.all([s2.runDue(), s1.runDue()]);
    expect(ids).toHaveLength(1);
    expect(await q2.listJobs()).toEqual([]);
  });

  it('runScheduleNow enqueues the job as manual and leaves the ticks alone; unknown names are a NotFoundError', async () => {
    const { q, s } = await setup();
    const id = await s.runScheduleNow('every-minute');
    expect(await s.runScheduleNow('every-minute')).toBe(id);
    const job = await q.getJob(id);
    expect(job).toMatchObject({ type: 'report', manual: true, priority: 3 });
    expect((await s.listSchedules())[0]).toMatchObject({ lastRunAt: null, nextRunAt: T0 + MIN });
    await expect(s.runScheduleNow('nope')).rejects.toBeInstanceOf(NotFoundError);
  });
});
