/**
 * Debounce and trace storage, part of the storage conformance suite: a debounced add
 * replaces the pending holder of its key (payload, group key, run time within the
 * maximum wait), hands the key over from a running holder, and a job's trace context is
 * stored and read back by get, list and claim. Called inside `runStorageConformance`.
 */
import { describe, expect, it } from 'vitest';
import type { IJobQueueStorage, NewJob } from '../../src/storage/types.js';
import { newJob } from '../support/jobs.js';

const LEASE = 30_000;

/** A debounced job: key `k`, 100 ms quiet time, 1,000 ms maximum wait, run time now + 100. */
function debounced(now: number, payload: unknown, overrides: Partial<NewJob> = {}): NewJob {
  return newJob({ payload, dedupeKey: 'k', runAt: now + 100, debounce: { ms: 100, maxWaitMs: 1_000 }, ...overrides });
}

const TRACE = JSON.stringify({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });

export function runDebounceConformance(current: () => IJobQueueStorage): void {
  describe('debounce', () => {
    it('a debounced add replaces the pending holder: its payload, its run time pushed back within the maximum wait', async () => {
      const storage = current();
      const [first] = await storage.add([debounced(0, { v: 1 })], 0);
      expect(first).toMatchObject({ created: true });
      const again = await storage.add([debounced(50, { v: 2 })], 50);
      expect(again).toEqual([{ id: first!.id, created: false }]);
      expect(await storage.get(first!.id)).toMatchObject({ payload: { v: 2 }, runAt: 150, createdAt: 0, state: 'pending' });
      // Near the maximum wait the run time stops at createdAt + maxWait.
      await storage.add([debounced(950, { v: 3 })], 950);
      expect(await storage.get(first!.id)).toMatchObject({ payload: { v: 3 }, runAt: 1_000 });
      await storage.add([debounced(990, { v: 4 })], 990);
      expect(await storage.get(first!.id)).toMatchObject({ payload: { v: 4 }, runAt: 1_000 });
      // One job in all, claimed once with the last payload.
      expect(await storage.claim('w', 10, 999, LEASE)).toEqual([]);
      const claimed = await storage.claim('w', 10, 1_000, LEASE);
      expect(claimed.map((j) => [j.id, j.payload])).toEqual([[first!.id, { v: 4 }]]);
    });

    it('never pulls a run time forward, and a batch of debounced adds collapses into one job', async () => {
      const storage = current();
      const [late] = await storage.add([newJob({ dedupeKey: 'k', runAt: 5_000, payload: { v: 0 } })], 0);
      await storage.add([debounced(10, { v: 1 })], 10);
      expect(await storage.get(late!.id)).toMatchObject({ payload: { v: 1 }, runAt: 5_000 });

      const added = await storage.add(
        [
          debounced(0, { v: 1 }, { dedupeKey: 'b' }),
          debounced(0, { v: 2 }, { dedupeKey: 'b' }),
          debounced(0, { v: 3 }, { dedupeKey: 'b' }),
        ],
        0,
      );
      expect(added.map((a) => a.created)).toEqual([true, false, false]);
      expect(new Set(added.map((a) => a.id)).size).toBe(1);
      expect((await storage.list({ type: 'test' }, 0)).filter((j) => j.dedupeKey === 'b').map((j) => j.payload)).toEqual([{ v: 3 }]);
    });

    it('a running holder hands its key to the new job; its completion leaves the new holder alone', async () => {
      const storage = current();
      const [first] = await storage.add([debounced(0, { v: 1 })], 0);
      const [running] = await storage.claim('w', 1, 100, LEASE);
      expect(running!.id).toBe(first!.id);
      const [next] = await storage.add([debounced(200, { v: 2 })], 200);
      expect(next).toMatchObject({ created: true });
      expect(next!.id).not.toBe(first!.id);
      expect(await storage.get(first!.id)).toMatchObject({ state: 'processing', dedupeKey: null });
      expect(await storage.get(next!.id)).toMatchObject({ state: 'pending', dedupeKey: 'k', payload: { v: 2 }, runAt: 300 });
      expect(await storage.complete([{ id: first!.id, workerId: 'w' }])).toBe(1);
      // The key still names the new job: a plain dedupe add and a debounced one find it.
      expect(await storage.add([newJob({ dedupeKey: 'k' })], 250)).toEqual([{ id: next!.id, created: false }]);
      expect(await storage.add([debounced(250, { v: 3 })], 250)).toEqual([{ id: next!.id, created: false }]);
      expect(await storage.get(next!.id)).toMatchObject({ payload: { v: 3 }, runAt: 350 });
    });

    it('a holder of another type, and a plain dedupe add, change nothing', async () => {
      const storage = current();
      const [other] = await storage.add([newJob({ type: 'other', dedupeKey: 'k', payload: { v: 0 }, runAt: 0 })], 0);
      expect(await storage.add([debounced(10, { v: 1 })], 10)).toEqual([{ id: other!.id, created: false }]);
      expect(await storage.get(other!.id)).toMatchObject({ type: 'other', payload: { v: 0 }, runAt: 0 });

      const [held] = await storage.add([debounced(0, { v: 1 }, { dedupeKey: 'p' })], 0);
      expect(await storage.add([newJob({ dedupeKey: 'p', payload: { v: 2 } })], 50)).toEqual([{ id: held!.id, created: false }]);
      expect(await storage.get(held!.id)).toMatchObject({ payload: { v: 1 }, runAt: 100 });
    });

    it('a replacing add updates the group key, and the job is claimed under the new key', async () => {
      const storage = current();
      const [job] = await storage.add([debounced(0, { v: 1 }, { type: 'g', groupKey: 'a' })], 0);
      await storage.add([debounced(10, { v: 2 }, { type: 'g', groupKey: 'b' })], 10);
      expect(await storage.get(job!.id)).toMatchObject({ groupKey: 'b', runAt: 110 });
      const filter = { types: [{ type: 'g', concurrency: null, groupConcurrency: 1 }] };
      const claimed = await storage.claim('w', 5, 200, LEASE, filter);
      expect(claimed.map((j) => [j.id, j.groupKey, j.payload])).toEqual([[job!.id, 'b', { v: 2 }]]);
    });
  });

  describe('traces', () => {
    it('stores the trace context with the job and returns it from get, list and claim; none without', async () => {
      const storage = current();
      const added = await storage.add(
        [
          newJob({ payload: { i: 0 }, trace: TRACE }),
          ...Array.from({ length: 40 }, (_, i) => newJob({ payload: { i: i + 1 }, trace: TRACE })),
          newJob({ payload: { i: 41 } }),
          newJob({ payload: { i: 42 }, trace: TRACE, dedupeKey: 'traced' }),
        ],
        0,
      );
      const [single] = await storage.add([newJob({ payload: { i: 43 }, trace: TRACE })], 0);
      const expected = JSON.parse(TRACE) as Record<string, string>;
      expect((await storage.get(added[0]!.id))?.trace).toEqual(expected);
      expect((await storage.get(single!.id))?.trace).toEqual(expected);
      expect(await storage.get(added[41]!.id)).not.toHaveProperty('trace');
      const listed = await storage.list({ limit: 100 }, 0);
      expect(listed.filter((j) => j.trace).length).toBe(43);
      const claimed = await storage.claim('w', 100, 1_000, LEASE);
      expect(claimed).toHaveLength(44);
      for (const j of claimed) {
        if ((j.payload as { i: number }).i === 41) expect(j).not.toHaveProperty('trace');
        else expect(j.trace).toEqual(expected);
      }
    });
  });
}
