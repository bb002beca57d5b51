/** The queue's own scheduler: declared through the queue, fired while it runs, stopped with it. */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { waitFor } from '../support/tmp.js';
import { BACKENDS, makeQueue } from './harness.js';

for (const backend of BACKENDS) {
  describe(`queue.schedule (${backend.name})`, () => {
    let dispose: () => Promise<void> = async () => {};
    afterEach(() => dispose());

    it('fires ticks while started, lists schedules, runs one now, and stops ticking on stop()', async () => {
      const made = makeQueue(backend);
      dispose = made.dispose;
      const { queue, registry } = made;
      const ran: string[] = [];
      registry.register('heartbeat', async (job) => void ran.push(job.id), { schema: z.object({ note: z.string() }) });
      await queue.schedule('beat', { everyMs: 1_000 }, { type: 'heartbeat', payload: { note: 'tick' } });
      const [info] = await queue.listSchedules();
      expect(info).toMatchObject({ name: 'beat', everyMs: 1_000, job: { type: 'heartbeat' } });
      expect(typeof info!.nextRunAt).toBe('number');

      const nowId = await queue.runScheduleNow('beat');
      await queue.start();
      await waitFor(() => ran.includes(nowId), 10_000, 'the run-now job');
      await waitFor(() => ran.length >= 2, 10_000, 'a scheduled tick');
      await queue.stop({ timeoutMs: 1_000 });
      expect(await queue.unschedule('beat')).toBe(true);
      expect(await queue.unschedule('beat')).toBe(false);
      expect(await queue.listSchedules()).toEqual([]);
    });

    it('rejects a schedule whose payload breaks its schema, naming the field', async () => {
      const made = makeQueue(backend);
      dispose = made.dispose;
      made.registry.register('heartbeat', async () => {}, { schema: z.object({ note: z.string() }) });
      await expect(made.queue.schedule('bad', { everyMs: 1_000 }, { type: 'heartbeat', payload: { note: 5 } })).rejects.toThrow(/note/);
      expect(await made.queue.listSchedules()).toEqual([]);
    });
  });
}
