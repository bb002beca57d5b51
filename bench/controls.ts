/**
 * Benchmark scenarios of the queue controls, run by scenarios.ts:
 *
 * - `limitedRun`: one type limited to `LIMIT` beside an unlimited one, handlers that take
 *   `HANDLER_MS`: how many of the limited type run at once (at most, and on average over
 *   its run), and how many of the other type run meanwhile. With `reference`, no limit:
 *   the same jobs on two queues of the same process and store, `LIMIT` workers for the one
 *   type and the rest for the other, i.e. the same load on the event loop and the store,
 *   and the most the limited type could run at once with those handlers.
 * - `pausedClaim`: the claim time of a queue's types on a deep store, with or without a
 *   tenth of the jobs belonging to a paused type that comes first in claim order (a claim
 *   that walked over paused jobs would pay for every one of them).
 */
import { pino } from 'pino';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, type IJobQueueStorage, type NewJob } from '../src/index.js';

const LIMIT = 4;
const HANDLER_MS = 20;

/** Figures of a limited run. */
export async function limitedRun(
  storage: () => IJobQueueStorage,
  jobs: number,
  concurrency: number,
  reference = false,
): Promise<Record<string, number>> {
  const running = { slow: 0, fast: 0 };
  // Time-weighted sums of the running counts, per type, while slow jobs were running or waiting.
  const area = { slow: 0, fast: 0 };
  let max = 0;
  let last = 0;
  let slowLeft = Math.floor(jobs / 5);
  let slowStart = 0;
  let slowEnd = 0;
  const tick = (): void => {
    const now = performance.now();
    if (slowStart > 0 && slowLeft > 0) {
      area.slow += running.slow * (now - last);
      area.fast += running.fast * (now - last);
    }
    last = now;
  };
  const handler = (type: 'slow' | 'fast') => async (): Promise<void> => {
    tick();
    if (type === 'slow' && slowStart === 0) slowStart = last;
    running[type]++;
    max = Math.max(max, running.slow);
    await new Promise((r) => setTimeout(r, HANDLER_MS));
    tick();
    running[type]--;
    if (type === 'slow' && --slowLeft === 0) slowEnd = last;
  };
  const schema = z.object({ i: z.number() });
  const queue = (registry: HandlerRegistry, workers: number): JobQueue =>
    new JobQueue({ storage: storage(), registry, concurrency: workers, logger: pino({ level: 'silent' }), scheduler: false });
  const queues = reference
    ? [
        queue(new HandlerRegistry().register('slow', handler('slow'), { schema }), LIMIT),
        queue(new HandlerRegistry().register('fast', handler('fast'), { schema }), concurrency - LIMIT),
      ]
    : [
        queue(
          new HandlerRegistry()
            .register('slow', handler('slow'), { schema, concurrency: LIMIT })
            .register('fast', handler('fast'), { schema }),
          concurrency,
        ),
      ];
  const producer = queue(
    new HandlerRegistry().register('slow', () => {}, { schema }).register('fast', () => {}, { schema }),
    1,
  );
  const slow = slowLeft;
  // Interleaved, so that the limited type competes with the other from the first claim.
  await producer.addJobs(Array.from({ length: jobs }, (_, i) => ({ type: i % 5 === 0 ? 'slow' : 'fast', payload: { i } })));
  await producer.stop();
  const drained = Promise.all(queues.map((q) => new Promise((r) => q.once('queue:drained', r))));
  await Promise.all(queues.map((q) => q.start()));
  await drained;
  await Promise.all(queues.map((q) => q.stop()));
  const span = slowEnd - slowStart;
  return {
    limit: LIMIT,
    maxRunning: max,
    meanRunning: Number((area.slow / span).toFixed(2)),
    otherMeanRunning: Number((area.fast / span).toFixed(2)),
    idealMs: Math.round((slow * HANDLER_MS) / LIMIT),
    slowMs: Math.round(span),
  };
}

function pending(type: string, priority: number, i: number): NewJob {
  const payload = { i };
  return {
    type,
    payload,
    payloadJson: JSON.stringify(payload),
    priority,
    maxRetries: 3,
    runAt: 0,
    dedupeKey: null,
    groupKey: null,
    timeoutMs: null,
    manual: false,
  };
}

/**
 * Claim latency (3 jobs, then their completion, as a queue at concurrency 3 does) of a
 * queue registering `held` and `other`, over `total` pending jobs; with `paused`, a tenth
 * of them are `held` jobs (priority 1, before every `other` job) and `held` is paused.
 */
export async function pausedClaim(storage: IJobQueueStorage, total: number, paused: boolean): Promise<Record<string, number>> {
  await storage.init();
  const held = paused ? Math.floor(total / 10) : 0;
  for (let i = 0; i < total; i += 1000) {
    const n = Math.min(1000, total - i);
    await storage.add(
      Array.from({ length: n }, (_, k) => (i + k < held ? pending('held', 1, i + k) : pending('other', 5, i + k))),
      0,
    );
  }
  if (paused) await storage.pause('held', 0);
  const filter = {
    types: [
      { type: 'held', concurrency: null, groupConcurrency: null },
      { type: 'other', concurrency: null, groupConcurrency: null },
    ],
  };
  const samples: number[] = [];
  for (let i = 0; i < 2_000; i++) {
    const t = performance.now();
    const jobs = await storage.claim('bench', 3, Date.now(), 60_000, filter);
    samples.push(performance.now() - t);
    if (jobs.length !== 3 || jobs.some((j) => j.type !== 'other')) throw new Error('the claim took the wrong jobs');
    await storage.complete(jobs.map((j) => ({ id: j.id, workerId: 'bench' })));
  }
  samples.sort((a, b) => a - b);
  const at = (p: number): number => Number((samples[Math.floor((p / 100) * samples.length)]! * 1000).toFixed(0));
  return { p50Us: at(50), p99Us: at(99) };
}
