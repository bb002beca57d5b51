/**
 * The rate limit part of the storage conformance suite: a sliding window of starts per
 * type and per group key, counted inside the claim; the next slot reported; postpone.
 * Called inside `runStorageConformance`, so every backend runs it. Windows are 10 s long
 * on the claims' clock (the tests pass their own times), so that a slow run cannot see a
 * Redis window expire under it.
 */
import { describe, expect, it } from 'vitest';
import type { ClaimableType, ClaimFilter, ClaimReport } from '../../src/storage/claims.js';
import type { IJobQueueStorage } from '../../src/storage/types.js';
import { newJob } from '../support/jobs.js';

const LEASE = 60_000;
const T0 = 100_000;
const WINDOW = 10_000;

function type(name: string, limits: Partial<Omit<ClaimableType, 'type'>> = {}): ClaimableType {
  return { type: name, concurrency: null, groupConcurrency: null, ...limits };
}

function only(...types: ClaimableType[]): ClaimFilter {
  return { types };
}

function ks(jobs: { payload: unknown }[]): unknown[] {
  return jobs.map((j) => (j.payload as { k: unknown }).k);
}

function report(): ClaimReport {
  return { nextSlotAt: null };
}

export function runRatesConformance(current: () => IJobQueueStorage): void {
  describe('rate limits', () => {
    it('no more than max starts in any window, sliding; the jobs held back stay pending, their attempts uncounted', async () => {
      const storage = current();
      await storage.add(
        Array.from({ length: 6 }, (_, i) => newJob({ type: 'api', payload: { k: i }, runAt: 0 })),
        0,
      );
      const api = only(type('api', { rateLimit: { max: 2, durationMs: WINDOW } }));
      const claim = async (now: number, limit = 10): Promise<{ jobs: unknown[]; next: number | null }> => {
        const r = report();
        const jobs = await storage.claim('w', limit, now, LEASE, api, r);
        return { jobs: ks(jobs), next: r.nextSlotAt };
      };
      // One start at T0, one at T0+4s: the window is full until T0's start leaves it.
      expect(await claim(T0, 1)).toEqual({ jobs: [0], next: null });
      expect(await claim(T0 + 4_000, 10)).toEqual({ jobs: [1], next: T0 + WINDOW });
      expect(await claim(T0 + 9_999)).toEqual({ jobs: [], next: T0 + WINDOW });
      const held = await storage.list({ type: 'api', state: 'pending' }, T0 + 9_999);
      expect(held).toHaveLength(4);
      for (const job of held) expect(job).toMatchObject({ state: 'pending', attempts: 0, lockedBy: null });
      // A sliding window: at T0+10s only the T0 start has left it (a fixed one-per-10s
      // bucket would allow two here).
      expect(await claim(T0 + WINDOW)).toEqual({ jobs: [2], next: T0 + 4_000 + WINDOW });
      expect(await claim(T0 + 4_000 + WINDOW)).toEqual({ jobs: [3], next: T0 + 2 * WINDOW });
      // Completing a job does not give its start back.
      const running = await storage.list({ type: 'api', state: 'processing' }, T0 + 4_000 + WINDOW);
      await storage.complete(running.map((j) => ({ id: j.id, workerId: 'w' })));
      expect(await claim(T0 + 4_001 + WINDOW)).toEqual({ jobs: [], next: T0 + 2 * WINDOW });
    });

    it('a rate-limited type holds back only itself; a claim without rate limits reports nothing', async () => {
      const storage = current();
      await storage.add(
        [
          ...[1, 2, 3].map((k) => newJob({ type: 'slow', payload: { k: `s${k}` }, priority: 1, runAt: 0 })),
          ...[1, 2].map((k) => newJob({ type: 'free', payload: { k: `f${k}` }, priority: 5, runAt: 0 })),
        ],
        0,
      );
      const filter = only(type('slow', { rateLimit: { max: 1, durationMs: WINDOW } }), type('free'));
      const r = report();
      expect(ks(await storage.claim('w', 10, T0, LEASE, filter, r))).toEqual(['s1', 'f1', 'f2']);
      expect(r.nextSlotAt).toBe(T0 + WINDOW);
      const plain = report();
      await storage.add([newJob({ type: 'free', payload: { k: 'f3' }, runAt: 0 })], 0);
      expect(ks(await storage.claim('w', 10, T0, LEASE, only(type('free')), plain))).toEqual(['f3']);
      expect(plain.nextSlotAt).toBeNull();
      // Without a filter (tools) no limit applies.
      expect(ks(await storage.claim('tool', 10, T0, LEASE))).toEqual(['s2', 's3']);
    });

    it('per key: a key over its rate is skipped, other keys start; keys of other types are their own', async () => {
      const storage = current();
      await storage.add(
        [
          newJob({ type: 'sync', payload: { k: 'a1' }, groupKey: 'a', runAt: 0 }),
          newJob({ type: 'sync', payload: { k: 'a2' }, groupKey: 'a', runAt: 0 }),
          newJob({ type: 'sync', payload: { k: 'b1' }, groupKey: 'b', runAt: 0 }),
          newJob({ type: 'sync', payload: { k: 'n1' }, groupKey: null, runAt: 0 }),
          newJob({ type: 'other', payload: { k: 'o1' }, groupKey: 'a', runAt: 0 }),
        ],
        0,
      );
      const filter = only(
        type('sync', { groupConcurrency: 5, groupRateLimit: { max: 1, durationMs: WINDOW } }),
        type('other', { groupConcurrency: 5, groupRateLimit: { max: 1, durationMs: WINDOW } }),
      );
      const r = report();
      expect(ks(await storage.claim('w', 10, T0, LEASE, filter, r)).sort()).toEqual(['a1', 'b1', 'n1', 'o1']);
      expect(r.nextSlotAt).toBe(T0 + WINDOW);
      const done = await storage.list({ state: 'processing' }, T0);
      await storage.complete(done.map((j) => ({ id: j.id, workerId: 'w' })));
      expect(await storage.claim('w', 10, T0 + 5_000, LEASE, filter)).toEqual([]);
      expect(ks(await storage.claim('w', 10, T0 + WINDOW, LEASE, filter))).toEqual(['a2']);
    });

    it('type rate, key rate and concurrency together; completeAndClaim reports the next slot too', async () => {
      const storage = current();
      await storage.add(
        ['A', 'A', 'B', 'C', 'D'].map((key, i) => newJob({ type: 'n', payload: { k: `${key}${i}` }, groupKey: key, runAt: 0 })),
        0,
      );
      const filter = only(
        type('n', {
          concurrency: 2,
          groupConcurrency: 2,
          rateLimit: { max: 3, durationMs: WINDOW },
          groupRateLimit: { max: 1, durationMs: WINDOW },
        }),
      );
      const first = await storage.claim('p', 10, T0, LEASE, filter);
      expect(ks(first)).toEqual(['A0', 'B2']);
      if (!storage.completeAndClaim) return;
      const r = report();
      const next = await storage.completeAndClaim([{ id: first[0]!.id, workerId: 'p' }], {
        workerId: 'p',
        limit: 10,
        now: T0 + 1,
        leaseMs: LEASE,
        filter,
        report: r,
      });
      // A1 waits for its key's window; C3 takes the type's third and last start.
      expect(ks(next.jobs)).toEqual(['C3']);
      expect(r.nextSlotAt).toBe(T0 + WINDOW);
    });

    it('postpone: back to pending at a later run time, the attempt given back, the note kept; only by the lease holder', async () => {
      const storage = current();
      await storage.add([newJob({ type: 'remote', payload: { k: 'r' }, runAt: 0 })], 0);
      const [job] = await storage.claim('w', 1, T0, LEASE, only(type('remote')));
      expect(job!.attempts).toBe(1);
      expect(await storage.postpone({ id: job!.id, workerId: 'intruder' }, T0 + 5_000, 'x')).toBe(false);
      expect(await storage.postpone({ id: job!.id, workerId: 'w' }, T0 + 5_000, 'rate limited by the remote')).toBe(true);
      expect(await storage.get(job!.id)).toMatchObject({
        attempts: 0,
        runAt: T0 + 5_000,
        lastError: 'rate limited by the remote',
        lockedBy: null,
      });
      expect(await storage.postpone({ id: job!.id, workerId: 'w' }, T0 + 9_000, 'again')).toBe(false);
      expect(await storage.claim('w', 1, T0 + 4_999, LEASE, only(type('remote')))).toEqual([]);
      expect(await storage.nextRunAt(['remote'])).toBe(T0 + 5_000);
      const [again] = await storage.claim('w', 1, T0 + 5_000, LEASE, only(type('remote')));
      expect(again).toMatchObject({ id: job!.id, attempts: 1 });
    });
  });
}
