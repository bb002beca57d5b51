/**
 * Debounce through the queue, on memory and on a SQLite file: bad options are refused with
 * a ValidationError naming the field (nothing stored), and a burst of adds with one key
 * runs once, with the last payload. The storage rules themselves are in the conformance
 * suite (test/conformance/debounceSuite.ts); across processes in test/process/debounceTraces.test.ts.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  HandlerRegistry,
  JobQueue,
  MemoryJobQueueStorage,
  SQLiteJobQueueStorage,
  ValidationError,
  type IJobQueueStorage,
} from '../../src/index.js';
import type { AddedJob } from '../../src/storage/types.js';
import { makeTempDir, waitFor } from '../support/tmp.js';

const STORES: { name: string; open(): { storage: IJobQueueStorage; cleanup: () => void } }[] = [
  { name: 'memory', open: () => ({ storage: new MemoryJobQueueStorage(), cleanup: () => {} }) },
  {
    name: 'sqlite',
    open: () => {
      const tmp = makeTempDir();
      return { storage: new SQLiteJobQueueStorage({ filename: join(tmp.dir, 'jobs.db') }), cleanup: tmp.cleanup };
    },
  },
];

for (const place of STORES) {
  describe(`debounce through the queue (${place.name})`, () => {
    const cleanups: (() => void | Promise<void>)[] = [];
    afterEach(async () => {
      for (const fn of cleanups.splice(0).reverse()) await fn();
    });

    function setup(runs: unknown[] = []): JobQueue {
      const { storage, cleanup } = place.open();
      const registry = new HandlerRegistry();
      registry.register('reindex', (job) => void runs.push(job.payload), { schema: z.object({ v: z.number() }) });
      const queue = new JobQueue({ storage, registry, scheduler: false, concurrency: 2 });
      cleanups.push(cleanup, () => queue.stop());
      return queue;
    }

    it.each([
      ['a negative debounceMs', { dedupeKey: 'k', debounceMs: -1 }, 'debounceMs'],
      ['a fractional debounceMs', { dedupeKey: 'k', debounceMs: 1.5 }, 'debounceMs'],
      ['a text debounceMs', { dedupeKey: 'k', debounceMs: '100' }, 'debounceMs'],
      ['debounceMs without dedupeKey', { debounceMs: 100 }, 'debounceMs'],
      ['debounceMs with delayMs', { dedupeKey: 'k', debounceMs: 100, delayMs: 10 }, 'debounceMs'],
      ['debounceMs with runAt', { dedupeKey: 'k', debounceMs: 100, runAt: Date.now() + 1_000 }, 'debounceMs'],
      ['debounceMaxWaitMs below debounceMs', { dedupeKey: 'k', debounceMs: 100, debounceMaxWaitMs: 99 }, 'debounceMaxWaitMs'],
      ['debounceMaxWaitMs without debounceMs', { dedupeKey: 'k', debounceMaxWaitMs: 1_000 }, 'debounceMaxWaitMs'],
      ['a fractional debounceMaxWaitMs', { dedupeKey: 'k', debounceMs: 100, debounceMaxWaitMs: 100.5 }, 'debounceMaxWaitMs'],
    ])('refuses %s, naming the field, and stores nothing', async (_, options, field) => {
      const queue = setup();
      const error = await queue.addJob({ type: 'reindex', payload: { v: 1 }, ...(options as object) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path)).toContain(field);
      expect((error as ValidationError).message).toContain(field);
      const stats = await queue.getStats();
      expect(stats.pending + stats.delayed).toBe(0);
    });

    it('a bad payload in a debounced add leaves the pending job as it was', async () => {
      const queue = setup();
      const id = await queue.addJob({ type: 'reindex', payload: { v: 1 }, dedupeKey: 'k', debounceMs: 60_000 });
      await expect(queue.addJob({ type: 'reindex', payload: { v: 'x' }, dedupeKey: 'k', debounceMs: 60_000 })).rejects.toThrow(
        ValidationError,
      );
      expect(await queue.getJob(id)).toMatchObject({ payload: { v: 1 }, state: 'delayed' });
    });

    it('a burst with one key runs once, with the last payload; the default maximum wait is 10 windows', async () => {
      const runs: unknown[] = [];
      const queue = setup(runs);
      await queue.start();
      const outcomes: AddedJob[] = [];
      const before = Date.now();
      for (let v = 1; v <= 200; v++) {
        outcomes.push(...(await queue.addJobsWithOutcome([{ type: 'reindex', payload: { v }, dedupeKey: 'doc-1', debounceMs: 1_000 }])));
      }
      expect(outcomes[0]!.created).toBe(true);
      expect(outcomes.slice(1).every((o) => !o.created && o.id === outcomes[0]!.id)).toBe(true);
      const job = await queue.getJob(outcomes[0]!.id);
      expect(job?.runAt).toBeLessThanOrEqual(job!.createdAt + 10_000);
      expect(job!.createdAt).toBeGreaterThanOrEqual(before);
      // Done when the run is recorded and nothing is left (a second run would have to be stored).
      await waitFor(
        async () => {
          const stats = await queue.getStats();
          return runs.length > 0 && stats.pending + stats.delayed + stats.processing === 0;
        },
        10_000,
        'the debounced run',
      );
      expect(runs).toEqual([{ v: 200 }]);
    });
  });
}
