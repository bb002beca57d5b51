/**
 * The queue controls part of the storage conformance suite: claims limited to the
 * claimer's job types, pauses, per-type and per-key concurrency, and what `stats` says
 * about them. Called inside `runStorageConformance`, so every backend runs it.
 */
import { describe, expect, it } from 'vitest';
import type { ClaimableType, ClaimFilter } from '../../src/storage/claims.js';
import type { IJobQueueStorage } from '../../src/storage/types.js';
import { newJob } from '../support/jobs.js';

const LEASE = 30_000;
const NOW = 1_000;

/** A claimable type without limits, or with the given ones. */
function type(name: string, limits: Partial<Omit<ClaimableType, 'type'>> = {}): ClaimableType {
  return { type: name, concurrency: null, groupConcurrency: null, ...limits };
}

function only(...types: ClaimableType[]): ClaimFilter {
  return { types };
}

/** The `k` payload field of claimed jobs, in claim order. */
function ks(jobs: { payload: unknown }[]): unknown[] {
  return jobs.map((j) => (j.payload as { k: unknown }).k);
}

export function runControlsConformance(current: () => IJobQueueStorage): void {
  describe('controls', () => {
    it('a filtered claim takes only its types, in claim order, and leaves other types untouched', async () => {
      const storage = current();
      await storage.add(
        [
          newJob({ type: 'email', payload: { k: 'e1' }, priority: 1 }),
          newJob({ type: 'thumb', payload: { k: 't1' }, priority: 2 }),
          newJob({ type: 'email', payload: { k: 'e2' }, priority: 3 }),
          newJob({ type: 'other', payload: { k: 'o1' }, priority: 1 }),
          newJob({ type: 'thumb', payload: { k: 't2' }, priority: 1, runAt: 900 }),
        ],
        0,
      );
      const thumbs = await storage.claim('thumb-queue', 10, NOW, LEASE, only(type('thumb')));
      expect(ks(thumbs)).toEqual(['t2', 't1']);
      const emails = await storage.claim('email-queue', 10, NOW, LEASE, only(type('email'), type('nobody')));
      expect(ks(emails)).toEqual(['e1', 'e2']);
      // The other type kept its state and attempts.
      const [other] = await storage.list({ type: 'other' }, NOW);
      expect(other).toMatchObject({ state: 'pending', attempts: 0, lockedBy: null });
      expect(await storage.claim('x', 10, NOW, LEASE, only(type('email'), type('thumb')))).toEqual([]);
      // Several types merge into one claim order; no filter claims every type.
      await storage.add(
        [newJob({ type: 'thumb', payload: { k: 't3' }, priority: 9 }), newJob({ type: 'email', payload: { k: 'e3' }, priority: 4 })],
        0,
      );
      expect(ks(await storage.claim('x', 10, NOW, LEASE, only(type('thumb'), type('email'))))).toEqual(['e3', 't3']);
      expect(ks(await storage.claim('tool', 10, NOW, LEASE))).toEqual(['o1']);
    });

    it('completeAndClaim follows the filter too', async (ctx) => {
      const storage = current();
      if (!storage.completeAndClaim) return ctx.skip();
      await storage.add(
        [
          newJob({ type: 'a', payload: { k: 'a1' } }),
          newJob({ type: 'b', payload: { k: 'b1' } }),
          newJob({ type: 'a', payload: { k: 'a2' } }),
        ],
        0,
      );
      const [first] = await storage.claim('w', 1, NOW, LEASE, only(type('a')));
      const result = await storage.completeAndClaim([{ id: first!.id, workerId: 'w' }], {
        workerId: 'w',
        limit: 5,
        now: NOW,
        leaseMs: LEASE,
        filter: only(type('a')),
      });
      expect(result.completed).toBe(1);
      expect(ks(result.jobs)).toEqual(['a2']);
    });

    it('pause and resume the whole queue or one type; adding and running jobs are not affected', async () => {
      const storage = current();
      const filter = only(type('a'), type('b'));
      await storage.add([newJob({ type: 'a', payload: { k: 'a1' } })], 0);
      const [running] = await storage.claim('w', 1, NOW, LEASE, filter);
      expect(await storage.pauseState()).toEqual({ queue: false, types: [] });

      expect(await storage.pause(null, NOW)).toBe(true);
      expect(await storage.pause(null, NOW)).toBe(false);
      await storage.add([newJob({ type: 'a', payload: { k: 'a2' } }), newJob({ type: 'b', payload: { k: 'b1' } })], 0);
      expect(await storage.claim('w', 10, NOW, LEASE, filter)).toEqual([]);
      // The running job finishes as usual.
      expect(await storage.complete([{ id: running!.id, workerId: 'w' }])).toBe(1);

      expect(await storage.pause('b', NOW)).toBe(true);
      expect(await storage.pauseState()).toEqual({ queue: true, types: ['b'] });
      expect(await storage.resume(null)).toBe(true);
      expect(await storage.resume(null)).toBe(false);
      // The type stays paused on its own.
      expect(ks(await storage.claim('w', 10, NOW, LEASE, filter))).toEqual(['a2']);
      expect(await storage.pauseState()).toEqual({ queue: false, types: ['b'] });
      expect(await storage.resume('b')).toBe(true);
      expect(await storage.resume('b')).toBe(false);
      expect(ks(await storage.claim('w', 10, NOW, LEASE, filter))).toEqual(['b1']);
      expect(await storage.pauseState()).toEqual({ queue: false, types: [] });
    });

    it('a paused type does not hold back the others, and its jobs wait in order', async () => {
      const storage = current();
      await storage.add(
        [
          newJob({ type: 'slow', payload: { k: 's1' }, priority: 1 }),
          newJob({ type: 'fast', payload: { k: 'f1' }, priority: 5 }),
          newJob({ type: 'slow', payload: { k: 's2' }, priority: 2 }),
        ],
        0,
      );
      await storage.pause('slow', NOW);
      const filter = only(type('slow'), type('fast'));
      expect(ks(await storage.claim('w', 10, NOW, LEASE, filter))).toEqual(['f1']);
      await storage.resume('slow');
      expect(ks(await storage.claim('w', 10, NOW, LEASE, filter))).toEqual(['s1', 's2']);
    });

    it('per-type concurrency counts the jobs of that type processing anywhere', async () => {
      const storage = current();
      await storage.add(
        [
          ...Array.from({ length: 5 }, (_, i) => newJob({ type: 'disk', payload: { k: `d${i}` } })),
          ...Array.from({ length: 3 }, (_, i) => newJob({ type: 'cpu', payload: { k: `c${i}` }, priority: 9 })),
        ],
        0,
      );
      const filter = only(type('disk', { concurrency: 2 }), type('cpu'));
      const first = await storage.claim('p1', 10, NOW, LEASE, filter);
      expect(ks(first)).toEqual(['d0', 'd1', 'c0', 'c1', 'c2']);
      // Another process, same limit: the two disk jobs running count.
      expect(await storage.claim('p2', 10, NOW, LEASE, filter)).toEqual([]);
      await storage.complete([{ id: first[0]!.id, workerId: 'p1' }]);
      expect(ks(await storage.claim('p2', 10, NOW, LEASE, filter))).toEqual(['d2']);
      // A failure with a retry frees the slot as well, and so does a release.
      const d1 = first[1]!;
      await storage.fail({ id: d1.id, workerId: 'p1' }, { error: 'x', retryAt: NOW, retain: false }, NOW);
      expect(ks(await storage.claim('p1', 10, NOW, LEASE, filter))).toEqual(['d1']);
    });

    it('within a priority, a type with a concurrency limit fills its free slots first', async () => {
      const storage = current();
      await storage.add(
        [
          ...[1, 2, 3].map((i) => newJob({ type: 'other', payload: { k: `o${i}` } })),
          ...[1, 2, 3].map((i) => newJob({ type: 'disk', payload: { k: `d${i}` } })),
          newJob({ type: 'other', payload: { k: 'urgent' }, priority: 1 }),
        ],
        0,
      );
      const filter = only(type('other'), type('disk', { concurrency: 2 }));
      // Priority still comes first; then the limited type up to its two free slots.
      expect(ks(await storage.claim('w', 3, NOW, LEASE, filter))).toEqual(['urgent', 'd1', 'd2']);
      expect(ks(await storage.claim('w', 3, NOW, LEASE, filter))).toEqual(['o1', 'o2', 'o3']);
    });

    it('per-key concurrency: a busy key never blocks other keys, and each key keeps claim order', async () => {
      const storage = current();
      await storage.add(
        [
          newJob({ type: 'sync', payload: { k: 'A1' }, groupKey: 'A', priority: 3 }),
          newJob({ type: 'sync', payload: { k: 'A2' }, groupKey: 'A', priority: 3 }),
          newJob({ type: 'sync', payload: { k: 'B1' }, groupKey: 'B', priority: 4 }),
          newJob({ type: 'sync', payload: { k: 'A0' }, groupKey: 'A', priority: 1, runAt: 500 }),
          newJob({ type: 'sync', payload: { k: 'C1' }, groupKey: 'C', priority: 8 }),
          newJob({ type: 'sync', payload: { k: 'B2' }, groupKey: 'B', priority: 2 }),
          newJob({ type: 'sync', payload: { k: 'N1' }, groupKey: null, priority: 9 }),
          newJob({ type: 'sync', payload: { k: 'N2' }, groupKey: null, priority: 9 }),
        ],
        0,
      );
      const filter = only(type('sync', { groupConcurrency: 1 }));
      const first = await storage.claim('p1', 10, NOW, LEASE, filter);
      // One per key, best first; jobs without a key are not limited per key.
      expect(ks(first)).toEqual(['A0', 'B2', 'C1', 'N1', 'N2']);
      expect(first[0]).toMatchObject({ groupKey: 'A' });
      expect(await storage.claim('p2', 10, NOW, LEASE, filter)).toEqual([]);
      await storage.complete([{ id: first[0]!.id, workerId: 'p1' }]);
      expect(ks(await storage.claim('p2', 10, NOW, LEASE, filter))).toEqual(['A1']);
      await storage.complete([
        { id: first[1]!.id, workerId: 'p1' },
        { id: first[2]!.id, workerId: 'p1' },
      ]);
      expect(ks(await storage.claim('p2', 10, NOW, LEASE, filter))).toEqual(['B1']);
      expect(await storage.get(first[0]!.id)).toBeNull();
      expect((await storage.list({ type: 'sync', state: 'pending' }, NOW)).map((j) => j.groupKey)).toEqual(['A']);
    });

    it('per-key concurrency finds a free key behind a long run of a busy one, and fills keys within one claim', async () => {
      const storage = current();
      await storage.add(
        [
          ...Array.from({ length: 150 }, (_, i) => newJob({ type: 'g', payload: { k: `busy${i}` }, groupKey: 'busy' })),
          newJob({ type: 'g', payload: { k: 'free1' }, groupKey: 'free', priority: 6 }),
          ...Array.from({ length: 80 }, (_, i) => newJob({ type: 'g', payload: { k: `two${i}` }, groupKey: 'two', priority: 7 })),
          newJob({ type: 'g', payload: { k: 'free2' }, groupKey: 'free', priority: 8 }),
          newJob({ type: 'g', payload: { k: 'last' }, groupKey: 'z', priority: 9 }),
        ],
        0,
      );
      const one = only(type('g', { groupConcurrency: 1 }));
      // The first claim fills 'busy' with its first job and must look past the other 149.
      expect(ks(await storage.claim('p1', 3, NOW, LEASE, one))).toEqual(['busy0', 'free1', 'two0']);
      expect(ks(await storage.claim('p1', 1, NOW, LEASE, one))).toEqual(['last']);
      const two = only(type('g', { groupConcurrency: 2 }));
      expect(ks(await storage.claim('p2', 10, NOW, LEASE, two))).toEqual(['busy1', 'two1', 'free2']);
      expect(await storage.claim('p2', 10, NOW, LEASE, two)).toEqual([]);
    });

    it('every way out of processing frees the slot of its type and key', async () => {
      const storage = current();
      const filter = only(type('s', { concurrency: 1, groupConcurrency: 1 }));
      await storage.add(
        Array.from({ length: 6 }, (_, i) => newJob({ type: 's', payload: { k: i }, groupKey: 'one', maxRetries: 9 })),
        0,
      );
      const next = async (now = NOW): Promise<string> => {
        const jobs = await storage.claim('w', 5, now, 100, filter);
        expect(jobs).toHaveLength(1);
        expect(await storage.claim('w', 5, now, 100, filter)).toEqual([]);
        return jobs[0]!.id;
      };
      let id = await next();
      await storage.release([{ id, workerId: 'w' }], NOW);
      id = await next();
      await storage.recoverStalled({ now: NOW + 1_000, maxStalls: 5, retain: false });
      id = await next(NOW + 1_000);
      await storage.fail({ id, workerId: 'w' }, { error: 'x', retryAt: null, retain: true }, NOW);
      id = await next();
      await storage.fail({ id, workerId: 'w' }, { error: 'x', retryAt: null, retain: false }, NOW);
      id = await next();
      expect(await storage.cancel(id)).toMatchObject({ outcome: 'requested' });
      await storage.complete([{ id, workerId: 'w' }]);
      await next();
    });

    it('type and key limits together', async () => {
      const storage = current();
      await storage.add(
        ['A', 'A', 'B', 'C', 'D'].map((key, i) => newJob({ type: 'n', payload: { k: `${key}${i}` }, groupKey: key })),
        0,
      );
      const filter = only(type('n', { concurrency: 2, groupConcurrency: 1 }));
      expect(ks(await storage.claim('p', 10, NOW, LEASE, filter))).toEqual(['A0', 'B2']);
      expect(await storage.claim('p', 10, NOW, LEASE, filter)).toEqual([]);
    });

    it('nextRunAt can be limited to some types', async () => {
      const storage = current();
      await storage.add(
        [newJob({ type: 'a', runAt: 500 }), newJob({ type: 'b', runAt: 300, priority: 9 }), newJob({ type: 'c', runAt: 100 })],
        0,
      );
      expect(await storage.nextRunAt()).toBe(100);
      expect(await storage.nextRunAt(['a', 'b'])).toBe(300);
      expect(await storage.nextRunAt(['a'])).toBe(500);
      expect(await storage.nextRunAt(['none'])).toBeNull();
      expect(await storage.nextRunAt([])).toBeNull();
    });

    it('stats: pauses, live workers per type, and jobs no live worker runs', async () => {
      const storage = current();
      await storage.add(
        [newJob({ type: 'email' }), newJob({ type: 'email', runAt: 5_000 }), newJob({ type: 'thumb' }), newJob({ type: 'orphan' })],
        0,
      );
      let stats = await storage.stats(NOW);
      expect(stats).toMatchObject({ paused: false, pausedTypes: [], workers: 0, withoutWorker: 4 });
      await storage.announceWorker({ id: 'q1', types: ['email', 'thumb'], expiresAt: 2_000 }, NOW);
      await storage.announceWorker({ id: 'q2', types: ['thumb'], expiresAt: 9_000 }, NOW);
      await storage.pause('thumb', NOW);
      await storage.pause('never-added', NOW);
      stats = await storage.stats(NOW);
      expect(stats).toMatchObject({ paused: false, pausedTypes: ['never-added', 'thumb'], workers: 2, withoutWorker: 1 });
      expect(stats.byType.email).toEqual({ pending: 1, delayed: 1, processing: 0, failed: 0, paused: false, workers: 1 });
      expect(stats.byType.thumb).toMatchObject({ pending: 1, paused: true, workers: 2 });
      expect(stats.byType.orphan).toMatchObject({ pending: 1, paused: false, workers: 0 });
      // q1's announcement expires; renewing it keeps it alive.
      stats = await storage.stats(3_000);
      expect(stats).toMatchObject({ workers: 1, withoutWorker: 3 });
      await storage.announceWorker({ id: 'q1', types: ['email'], expiresAt: 13_000 }, 3_000);
      expect(await storage.stats(3_000)).toMatchObject({ workers: 2, withoutWorker: 1 });
      await storage.pause(null, NOW);
      expect((await storage.stats(3_000)).byType.email).toMatchObject({ paused: true });
      await storage.retireWorker('q1');
      await storage.retireWorker('q1');
      expect(await storage.stats(3_000)).toMatchObject({ paused: true, workers: 1, withoutWorker: 3 });
    });

    it('group keys are stored with the job', async () => {
      const storage = current();
      const [a, b] = await storage.add([newJob({ type: 'g', groupKey: 'player:é/1' }), newJob({ type: 'g' })], 0);
      expect(await storage.get(a!.id)).toMatchObject({ groupKey: 'player:é/1' });
      expect(await storage.get(b!.id)).toMatchObject({ groupKey: null });
      const claimed = await storage.claim('w', 2, NOW, LEASE, only(type('g', { groupConcurrency: 1 })));
      expect(claimed.map((j) => j.groupKey)).toEqual(['player:é/1', null]);
    });
  });
}
