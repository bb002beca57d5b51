/**
 * Idle workers are woken by work, not by their poll: with a one-minute idle cap, a job
 * added in the same process, or by another connection to the same SQLite file, must
 * still start (the latter through the PRAGMA data_version watch).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, SQLiteJobQueueStorage } from '../../src/index.js';
import { newJob } from '../support/jobs.js';
import { makeTempDir, sleep, waitFor } from '../support/tmp.js';

/** A job as the storage takes it, for the watch tests that add through the storage directly. */
const job = newJob({ type: 't', payload: {}, runAt: 0 });

describe('waking idle workers', () => {
  let cleanup = (): void => {};
  const queues: JobQueue[] = [];
  afterEach(async () => {
    for (const q of queues.splice(0)) await q.stop({ timeoutMs: 500 });
    cleanup();
  });

  function queueOn(file: string, ran: string[]): JobQueue {
    const registry = new HandlerRegistry();
    registry.register('t', async (job) => void ran.push(job.id), { schema: z.object({}) });
    const queue = new JobQueue({
      storage: new SQLiteJobQueueStorage({ filename: file }),
      registry,
      logger: pino({ level: 'silent' }),
      maxIdleMs: 60_000,
    });
    queues.push(queue);
    return queue;
  }

  it('a job added in the same process or by another connection starts without waiting for the idle poll', async () => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    const file = join(tmp.dir, 'jobs.db');
    const ran: string[] = [];
    const worker = queueOn(file, ran);
    await worker.start();
    await sleep(300); // every worker has backed off into a long sleep
    const local = await worker.addJob({ type: 't', payload: {} });
    await waitFor(() => ran.includes(local), 5_000, 'the local job');

    const producer = queueOn(file, []); // never started: a producer on its own connection
    await sleep(300);
    const remote = await producer.addJob({ type: 't', payload: {} });
    await waitFor(() => ran.includes(remote), 5_000, 'the job added by the other connection');
    expect(ran).toEqual([local, remote]);
  });

  it('the SQLite watch fires when another connection commits, not for its own writes', async () => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    const file = join(tmp.dir, 'jobs.db');
    const mine = new SQLiteJobQueueStorage({ filename: file });
    const other = new SQLiteJobQueueStorage({ filename: file });
    await mine.init();
    await other.init();
    let changes = 0;
    const stop = mine.watch(() => changes++, 2);
    await mine.add([job], 0);
    await sleep(50);
    expect(changes).toBe(0);
    await other.add([job], 0);
    await waitFor(() => changes === 1, 5_000, 'the watch to see the other connection');
    stop();
    await other.add([job], 0);
    await sleep(50);
    expect(changes).toBe(1);
    await mine.close();
    await other.close();
  });

  it('the SQLite watch skips its look while nobody is to be woken, and reports a commit made meanwhile once wanted again', async () => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    const file = join(tmp.dir, 'jobs.db');
    const mine = new SQLiteJobQueueStorage({ filename: file });
    const other = new SQLiteJobQueueStorage({ filename: file });
    await mine.init();
    await other.init();
    let wanted = false;
    let looks = 0;
    let changes = 0;
    const stop = mine.watch(() => changes++, 2, {
      wanted: () => {
        looks++;
        return wanted;
      },
    });
    await other.add([job], 0);
    await waitFor(() => looks > 0, 5_000, 'the watch to ask whether a look is wanted');
    await sleep(50);
    expect(changes).toBe(0);
    wanted = true;
    await waitFor(() => changes === 1, 5_000, 'the commit made while unwanted');
    await sleep(50);
    expect(changes).toBe(1);
    stop();
    await mine.close();
    await other.close();
  });
});
