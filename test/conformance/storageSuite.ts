/**
 * The storage conformance suite: every IJobQueueStorage backend must pass it unchanged.
 * It drives the contract directly (no queue), so a failure names the backend method
 * that breaks the rules written in src/storage/types.ts.
 *
 * Usage: `runStorageConformance('sqlite', async () => ({ storage, cleanup }))`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IJobQueueStorage } from '../../src/storage/types.js';
import { newJob } from '../support/jobs.js';
import { runControlsConformance } from './controlsSuite.js';
import { runRatesConformance } from './ratesSuite.js';
import { runDebounceConformance } from './debounceSuite.js';

/** Creates a fresh, empty backend for one test, and how to dispose of it. */
export type StorageFactory = () => Promise<{ storage: IJobQueueStorage; cleanup: () => Promise<void> | void }>;

const LEASE = 30_000;

export function runStorageConformance(name: string, factory: StorageFactory): void {
  describe(`storage conformance: ${name}`, () => {
    let storage: IJobQueueStorage;
    let cleanup: () => Promise<void> | void;

    beforeEach(async () => {
      ({ storage, cleanup } = await factory());
      await storage.init();
    });
    afterEach(async () => {
      await storage.close();
      await cleanup();
    });

    it('stores jobs and returns ids in input order; get returns them as stored', async () => {
      const added = await storage.add([newJob({ payload: { a: 1 } }), newJob({ type: 'other', priority: 2, manual: true })], 500);
      expect(added).toHaveLength(2);
      expect(added.every((a) => a.created)).toBe(true);
      expect(new Set(added.map((a) => a.id)).size).toBe(2);
      const job = await storage.get(added[0]!.id);
      expect(job).toMatchObject({
        id: added[0]!.id,
        type: 'test',
        payload: { a: 1 },
        state: 'pending',
        priority: 5,
        attempts: 0,
        maxRetries: 3,
        stalls: 0,
        runAt: 1_000,
        createdAt: 500,
        manual: false,
        dedupeKey: null,
        lockedBy: null,
      });
      expect(await storage.get(added[1]!.id)).toMatchObject({ type: 'other', priority: 2, manual: true });
      expect(await storage.get('999999')).toBeNull();
      expect(await storage.get('not-an-id')).toBeNull();
    });

    it('claims by priority, then run time, then insertion order', async () => {
      const ids = (
        await storage.add(
          [
            newJob({ payload: { k: 'low' }, priority: 8, runAt: 100 }),
            newJob({ payload: { k: 'normal-late' }, priority: 5, runAt: 300 }),
            newJob({ payload: { k: 'normal-early' }, priority: 5, runAt: 200 }),
            newJob({ payload: { k: 'critical' }, priority: 1, runAt: 400 }),
            newJob({ payload: { k: 'normal-early-2' }, priority: 5, runAt: 200 }),
          ],
          0,
        )
      ).map((a) => a.id);
      const order: unknown[] = [];
      for (let i = 0; i < 5; i++) {
        const [job] = await storage.claim('w', 1, 1_000, LEASE);
        order.push((job!.payload as { k: string }).k);
      }
      expect(order).toEqual(['critical', 'normal-early', 'normal-early-2', 'normal-late', 'low']);
      expect(ids).toHaveLength(5);
    });

    it('does not claim jobs before their run time, and claims up to the limit', async () => {
      await storage.add([newJob({ runAt: 100 }), newJob({ runAt: 100 }), newJob({ runAt: 5_000 })], 0);
      expect(await storage.claim('w', 10, 50, LEASE)).toHaveLength(0);
      const first = await storage.claim('w', 1, 1_000, LEASE);
      expect(first).toHaveLength(1);
      expect(await storage.claim('w', 10, 1_000, LEASE)).toHaveLength(1);
      expect(await storage.claim('w', 10, 4_999, LEASE)).toHaveLength(0);
      expect(await storage.claim('w', 10, 5_000, LEASE)).toHaveLength(1);
    });

    it('a claim leases the job and counts an attempt; no job is claimed twice', async () => {
      await storage.add(
        Array.from({ length: 20 }, (_, i) => newJob({ payload: { i } })),
        0,
      );
      const a = await storage.claim('owner-a', 12, 1_000, LEASE);
      const b = await storage.claim('owner-b', 12, 1_000, LEASE);
      expect(a).toHaveLength(12);
      expect(b).toHaveLength(8);
      const all = [...a, ...b].map((j) => j.id);
      expect(new Set(all).size).toBe(20);
      expect(a[0]).toMatchObject({ state: 'processing', lockedBy: 'owner-a', lockedUntil: 1_000 + LEASE, attempts: 1 });
      expect(await storage.get(b[0]!.id)).toMatchObject({ state: 'processing', lockedBy: 'owner-b' });
    });

    it('complete deletes only jobs whose lease the caller holds', async () => {
      await storage.add([newJob(), newJob()], 0);
      const [j1, j2] = await storage.claim('a', 2, 1_000, LEASE);
      expect(await storage.complete([{ id: j1!.id, workerId: 'b' }])).toBe(0);
      expect(await storage.get(j1!.id)).not.toBeNull();
      expect(
        await storage.complete([
          { id: j1!.id, workerId: 'a' },
          { id: j2!.id, workerId: 'a' },
        ]),
      ).toBe(2);
      expect(await storage.get(j1!.id)).toBeNull();
      expect(await storage.get(j2!.id)).toBeNull();
      expect(await storage.complete([{ id: j1!.id, workerId: 'a' }])).toBe(0);
    });

    it('completeAndClaim (when offered) deletes held leases and claims in claim order', async (ctx) => {
      if (!storage.completeAndClaim) return ctx.skip();
      await storage.add([newJob({ priority: 9 }), newJob({ priority: 1 }), newJob({ priority: 5 })], 0);
      const [first] = await storage.claim('a', 1, 1_000, LEASE);
      const result = await storage.completeAndClaim(
        [
          { id: first!.id, workerId: 'a' },
          { id: first!.id, workerId: 'a' },
        ],
        { workerId: 'a', limit: 5, now: 1_000, leaseMs: LEASE },
      );
      expect(result.completed).toBe(1);
      expect(result.jobs.map((j) => j.priority)).toEqual([5, 9]);
      expect(await storage.get(first!.id)).toBeNull();
      const none = await storage.completeAndClaim([{ id: result.jobs[0]!.id, workerId: 'intruder' }], {
        workerId: 'a',
        limit: 1,
        now: 1_000,
        leaseMs: LEASE,
      });
      expect(none).toEqual({ completed: 0, jobs: [] });
    });

    it('fail: a retry moves the run time; a last attempt deletes or retains; a lost lease changes nothing', async () => {
      await storage.add([newJob(), newJob(), newJob()], 0);
      const [r, d, k] = await storage.claim('a', 3, 1_000, LEASE);
      expect(await storage.fail({ id: r!.id, workerId: 'x' }, { error: 'boom', retryAt: 2_000, retain: false }, 1_000)).toBe(false);
      expect(await storage.fail({ id: r!.id, workerId: 'a' }, { error: 'boom', retryAt: 2_000, retain: false }, 1_000)).toBe(true);
      expect(await storage.get(r!.id)).toMatchObject({ state: 'pending', runAt: 2_000, attempts: 1, lockedBy: null });
      expect((await storage.get(r!.id))!.lastError).toContain('boom');
      expect(await storage.claim('a', 1, 1_999, LEASE)).toHaveLength(0);
      expect((await storage.claim('a', 1, 2_000, LEASE))[0]).toMatchObject({ id: r!.id, attempts: 2 });

      expect(await storage.fail({ id: d!.id, workerId: 'a' }, { error: 'final', retryAt: null, retain: false }, 1_000)).toBe(true);
      expect(await storage.get(d!.id)).toBeNull();

      expect(await storage.fail({ id: k!.id, workerId: 'a' }, { error: 'dead', retryAt: null, retain: true }, 1_000)).toBe(true);
      expect(await storage.get(k!.id)).toMatchObject({ state: 'failed', lockedBy: null });
      expect((await storage.get(k!.id))!.lastError).toContain('dead');
      expect(await storage.claim('a', 5, 10_000, LEASE)).toHaveLength(0);
    });

    it('release returns a job to pending without counting the attempt', async () => {
      await storage.add([newJob()], 0);
      const [j] = await storage.claim('a', 1, 1_000, LEASE);
      await storage.release([{ id: j!.id, workerId: 'other' }], 1_000);
      expect(await storage.get(j!.id)).toMatchObject({ state: 'processing' });
      await storage.release([{ id: j!.id, workerId: 'a' }], 1_000);
      expect(await storage.get(j!.id)).toMatchObject({ state: 'pending', attempts: 0, lockedBy: null });
    });

    it('extendLeases renews held leases and reports lost ones and cancel requests', async () => {
      await storage.add([newJob(), newJob()], 0);
      const [a, b] = await storage.claim('a', 2, 1_000, LEASE);
      expect(await storage.cancel(b!.id)).toMatchObject({ outcome: 'requested' });
      const report = await storage.extendLeases(
        [
          { id: a!.id, workerId: 'a' },
          { id: b!.id, workerId: 'a' },
          { id: '424242', workerId: 'a' },
        ],
        5_000,
        LEASE,
      );
      expect(report.lost).toEqual(['424242']);
      expect(report.cancelRequested).toEqual([b!.id]);
      expect(await storage.get(a!.id)).toMatchObject({ lockedUntil: 5_000 + LEASE });
      const stolen = await storage.extendLeases([{ id: a!.id, workerId: 'z' }], 5_000, LEASE);
      expect(stolen.lost).toEqual([a!.id]);
    });

    it('recoverStalled sends expired leases back to pending, then fails them after maxStalls', async () => {
      await storage.add([newJob({ maxRetries: 5 })], 0);
      const [j] = await storage.claim('dead', 1, 1_000, 100);
      const none = await storage.recoverStalled({ now: 1_050, maxStalls: 1, retain: false });
      expect(none.recovered).toHaveLength(0);
      const first = await storage.recoverStalled({ now: 1_200, maxStalls: 1, retain: false });
      expect(first.recovered.map((x) => x.id)).toEqual([j!.id]);
      expect(first.recovered[0]).toMatchObject({ stalls: 1, state: 'pending' });
      expect(await storage.get(j!.id)).toMatchObject({ state: 'pending', stalls: 1, attempts: 1, lockedBy: null });
      // The dead owner's late completion must not delete the recovered job.
      expect(await storage.complete([{ id: j!.id, workerId: 'dead' }])).toBe(0);
      await storage.claim('dead-again', 1, 1_300, 100);
      const second = await storage.recoverStalled({ now: 2_000, maxStalls: 1, retain: true });
      expect(second.failed.map((x) => x.id)).toEqual([j!.id]);
      expect(await storage.get(j!.id)).toMatchObject({ state: 'failed', stalls: 2 });
    });

    it('recoverStalled fails a stalled job that has no attempts left', async () => {
      await storage.add([newJob({ maxRetries: 0 })], 0);
      const [j] = await storage.claim('dead', 1, 1_000, 100);
      const report = await storage.recoverStalled({ now: 2_000, maxStalls: 5, retain: false });
      expect(report.failed.map((x) => x.id)).toEqual([j!.id]);
      expect(await storage.get(j!.id)).toBeNull();
    });

    it('dedupe keys are unique among live jobs only', async () => {
      const [a] = await storage.add([newJob({ dedupeKey: 'k' })], 0);
      const [b, c] = await storage.add([newJob({ dedupeKey: 'k' }), newJob({ dedupeKey: 'other' })], 0);
      expect(b).toEqual({ id: a!.id, created: false });
      expect(c!.created).toBe(true);
      const [inBatch1, inBatch2] = await storage.add([newJob({ dedupeKey: 'batch' }), newJob({ dedupeKey: 'batch' })], 0);
      expect(inBatch2).toEqual({ id: inBatch1!.id, created: false });
      // Still deduplicated while running...
      const claimed = await storage.claim('w', 10, 1_000, LEASE);
      const running = claimed.find((j) => j.id === a!.id)!;
      expect((await storage.add([newJob({ dedupeKey: 'k' })], 0))[0]).toEqual({ id: a!.id, created: false });
      // ...but not once completed.
      await storage.complete([{ id: running.id, workerId: 'w' }]);
      const [d] = await storage.add([newJob({ dedupeKey: 'k' })], 0);
      expect(d!.created).toBe(true);
      expect(d!.id).not.toBe(a!.id);
    });

    it('a large batch mixing dedupe keys returns, for every position, the id of that job, in claim order', async () => {
      // Rows deleted at the end of the table must not shift the ids of the batch.
      const before = Array.from({ length: 3 }, () => newJob({ payload: { before: true } }));
      const [, gone1, gone2] = await storage.add(before, 0);
      await storage.cancel(gone1!.id);
      await storage.cancel(gone2!.id);
      const [live] = await storage.add([newJob({ payload: { before: true }, dedupeKey: 'live' })], 0);
      // Runs of 37, 31 and 29 jobs without a key, between three jobs with one.
      const batch = Array.from({ length: 100 }, (_, n) =>
        newJob({ payload: { n }, dedupeKey: n === 37 ? 'fresh' : n === 38 ? 'fresh' : n === 70 ? 'live' : null }),
      );
      const added = await storage.add(batch, 0);
      expect(added).toHaveLength(100);
      expect(added[38]).toEqual({ id: added[37]!.id, created: false });
      expect(added[70]).toEqual({ id: live!.id, created: false });
      for (let n = 0; n < 100; n++) {
        if (n === 38 || n === 70) continue;
        expect(added[n]!.created).toBe(true);
        expect((await storage.get(added[n]!.id))?.payload).toEqual({ n });
      }
      const claimed = await storage.claim('w', 200, 1_000, LEASE);
      const order = claimed.map((j) => (j.payload as { n?: number }).n).filter((n) => n !== undefined);
      expect(order).toEqual(Array.from({ length: 100 }, (_, n) => n).filter((n) => n !== 38 && n !== 70));
    });

    it('cancel deletes pending jobs, flags running ones, and reports unknown ids', async () => {
      const [p, r] = await storage.add([newJob({ priority: 9 }), newJob({ priority: 1 })], 0);
      await storage.claim('w', 1, 1_000, LEASE);
      expect(await storage.cancel(p!.id)).toMatchObject({ outcome: 'deleted', job: { id: p!.id } });
      expect(await storage.get(p!.id)).toBeNull();
      expect(await storage.cancel(r!.id)).toMatchObject({ outcome: 'requested', job: { id: r!.id } });
      expect(await storage.get(r!.id)).toMatchObject({ state: 'processing' });
      expect(await storage.cancel('777777')).toEqual({ outcome: 'not_found', job: null });
    });

    it('retry puts a retained failed job back with fresh attempts', async () => {
      const [j] = await storage.add([newJob({ dedupeKey: 'dl' })], 0);
      await storage.claim('w', 1, 1_000, LEASE);
      await storage.fail({ id: j!.id, workerId: 'w' }, { error: 'x', retryAt: null, retain: true }, 1_000);
      // The key is free while the job is dead...
      const [other] = await storage.add([newJob({ dedupeKey: 'dl' })], 0);
      expect(other!.created).toBe(true);
      // ...so it cannot come back while another live job holds the key.
      await expect(storage.retry(j!.id, 2_000)).rejects.toThrow(/dedupe key/);
      await storage.cancel(other!.id);
      const back = await storage.retry(j!.id, 2_000);
      expect(back).toMatchObject({ id: j!.id, state: 'pending', attempts: 0, runAt: 2_000 });
      expect(await storage.retry(j!.id, 2_000)).toBeNull();
      expect(await storage.retry('888888', 2_000)).toBeNull();
    });

    it('list, stats and nextRunAt see pending, delayed, processing and failed jobs', async () => {
      await storage.add(
        [
          newJob({ type: 'a', runAt: 100 }),
          newJob({ type: 'a', runAt: 100 }),
          newJob({ type: 'b', runAt: 9_000 }),
          newJob({ type: 'b', runAt: 100, priority: 1 }),
        ],
        0,
      );
      expect(await storage.nextRunAt()).toBe(100);
      const [running] = await storage.claim('w', 1, 1_000, LEASE);
      expect(running!.type).toBe('b');
      const [failing] = await storage.claim('w', 1, 1_000, LEASE);
      await storage.fail({ id: failing!.id, workerId: 'w' }, { error: 'x', retryAt: null, retain: true }, 1_000);
      const stats = await storage.stats(1_000);
      expect(stats).toMatchObject({ pending: 1, delayed: 1, processing: 1, failed: 1 });
      expect(stats.byType).toEqual({
        a: { pending: 1, delayed: 0, processing: 0, failed: 1, paused: false, workers: 0 },
        b: { pending: 0, delayed: 1, processing: 1, failed: 0, paused: false, workers: 0 },
      });
      expect((await storage.list({ state: 'delayed' }, 1_000)).map((j) => j.type)).toEqual(['b']);
      expect(await storage.list({ state: 'processing' }, 1_000)).toHaveLength(1);
      expect(await storage.list({ type: 'a' }, 1_000)).toHaveLength(2);
      expect(await storage.list({ limit: 2, offset: 1 }, 1_000)).toHaveLength(2);
    });

    it('setProgress stores a value on a leased job only', async () => {
      await storage.add([newJob()], 0);
      const [j] = await storage.claim('w', 1, 1_000, LEASE);
      await storage.setProgress({ id: j!.id, workerId: 'w' }, { done: 3, of: 10 });
      expect((await storage.get(j!.id))!.progress).toEqual({ done: 3, of: 10 });
      await storage.setProgress({ id: j!.id, workerId: 'intruder' }, 99);
      expect((await storage.get(j!.id))!.progress).toEqual({ done: 3, of: 10 });
    });

    runControlsConformance(() => storage);
    runRatesConformance(() => storage);
    runDebounceConformance(() => storage);

    it('payloads round-trip unchanged, unicode and nesting included', async () => {
      const payload = { s: 'é ✓ 𝄞 "q" \\ <x>', n: -1.5, b: false, z: null, arr: [1, [2, { d: 'deep' }]], __proto__x: 1 };
      const [a] = await storage.add([newJob({ payload })], 0);
      expect((await storage.get(a!.id))!.payload).toEqual(payload);
    });
  });
}
