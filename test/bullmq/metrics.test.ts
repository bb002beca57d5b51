/**
 * Metrics on Redis with `remoteEvents`: every process hears every outcome, but counts
 * only the jobs it ran itself, so that summing over processes counts each job once. The
 * queue_jobs gauge is the storage's, the same in every process.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerQueueMetrics } from '../../src/express.js';
import { QueueHistory } from '../../src/metrics/QueueHistory.js';
import { JobQueue } from '../../src/JobQueue.js';
import { BullMQJobQueueStorage } from '../../src/backends/redis/storage.js';
import { parseScrape, value } from '../support/prometheus.js';
import { waitFor } from '../support/tmp.js';
import { remoteEventsRegistry } from './fixtures/remoteEventsJobs.js';
import { deletePrefix, freshPrefix, REDIS_URL, redisSkipReason } from './redisTestEnv.js';

const skip = await redisSkipReason();

describe.skipIf(skip !== null)('metrics on Redis with remoteEvents', () => {
  let prefix = '';
  const queues: JobQueue[] = [];
  beforeEach(() => {
    prefix = freshPrefix();
  });
  afterEach(async () => {
    for (const q of queues.splice(0)) await q.stop();
    await deletePrefix(prefix);
  });

  function node(): JobQueue {
    const queue = new JobQueue({
      storage: new BullMQJobQueueStorage({ connection: REDIS_URL, prefix }),
      registry: remoteEventsRegistry(),
      concurrency: 2,
      logger: pino({ level: 'silent' }),
      remoteEvents: true,
    });
    queues.push(queue);
    return queue;
  }

  it('a process counts the jobs it ran, not those it heard of; both see the same gauge', async () => {
    const board = node(); // runs no workers
    const worker = node();
    const boardRegistry = registerQueueMetrics(board);
    const workerRegistry = registerQueueMetrics(worker);
    const boardHistory = new QueueHistory(board);
    let heard = 0;
    board.on('job:completed', ({ remote }) => void (remote && heard++));
    board.on('job:failed', ({ remote }) => void (remote && heard++));
    await board.getStats(); // opens the board's storage: it hears outcomes from now on
    await worker.start();
    await board.addJobs([
      { type: 'ok', payload: { n: 1 } },
      { type: 'ok', payload: { n: 2 } },
      { type: 'ok', payload: { n: 3 } },
      { type: 'bad', payload: { why: 'test' } },
      { type: 'ok', payload: { n: 4 }, delayMs: 3_600_000 },
    ]);
    await waitFor(() => heard === 4, 20_000, 'the board to hear the four outcomes');

    const seenByBoard = await parseScrape(await boardRegistry.metrics());
    const seenByWorker = await parseScrape(await workerRegistry.metrics());
    expect(value(seenByWorker, 'phaseq_jobs_completed_total', { type: 'ok' })).toBe(3);
    expect(value(seenByWorker, 'phaseq_jobs_failed_total', { type: 'bad' })).toBe(1);
    expect(value(seenByBoard, 'phaseq_jobs_completed_total', { type: 'ok' })).toBe(0);
    expect(value(seenByBoard, 'phaseq_jobs_failed_total', { type: 'bad' })).toBe(0);
    expect(boardHistory.snapshot().buckets.reduce((n, b) => n + b.completed + b.failed, 0)).toBe(0);
    for (const scrape of [seenByBoard, seenByWorker]) {
      expect(value(scrape, 'phaseq_queue_jobs', { state: 'delayed', type: 'ok' })).toBe(1);
      expect(value(scrape, 'phaseq_queue_jobs', { state: 'pending', type: 'ok' })).toBe(0);
    }
    boardHistory.stop();
  });
});
