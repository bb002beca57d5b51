/**
 * Benchmark scenario of rate limits, run by scenarios.ts: `rateRun` registers one type
 * limited to `MAX` starts per `WINDOW_MS`, stores more jobs than it may start, starts a
 * queue of `concurrency` workers and counts the jobs started in the `SPAN_MS` from the
 * first start (the limit allows `MAX * SPAN_MS / WINDOW_MS`), dated by their claims (a
 * job's lease ends `LEASE_MS` after it was claimed), the times the limit is kept on. It also measures the
 * process's CPU while the queue waits for the next slot — from 400 ms after each window
 * opened (its burst of starts is over) to 50 ms before the next — where workers that
 * polled would show, and over the whole span, the jobs' own work included.
 */
import { pino } from 'pino';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, type IJobQueueStorage } from '../src/index.js';

const MAX = 100;
const WINDOW_MS = 1_000;
const SPAN_MS = 10_000;
const LEASE_MS = 30_000;

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

/** Starts and CPU of a queue held by a rate limit of 100 per second for 10 s. */
export async function rateRun(storage: IJobQueueStorage, concurrency: number): Promise<Record<string, number>> {
  const registry = new HandlerRegistry();
  const starts: number[] = [];
  registry.register('call', () => {}, { schema: z.object({ i: z.number() }), rateLimit: { max: MAX, durationMs: WINDOW_MS } });
  const queue = new JobQueue({ storage, registry, concurrency, leaseMs: LEASE_MS, logger: pino({ level: 'silent' }), scheduler: false });
  queue.on('job:started', ({ job }) => starts.push(job.lockedUntil! - LEASE_MS));
  const jobs = (MAX * SPAN_MS) / WINDOW_MS + 2 * MAX;
  for (let i = 0; i < jobs; i += 1000) {
    await queue.addJobs(Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => ({ type: 'call', payload: { i: i + k } })));
  }
  await queue.start();
  while (starts.length === 0) await new Promise((r) => setTimeout(r, 1));
  const first = Math.min(...starts);
  const cpuStart = process.cpuUsage();
  let waitingCpu = 0;
  let waitingMs = 0;
  const at = (time: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, time - Date.now())));
  for (let k = 0; k < SPAN_MS / WINDOW_MS; k++) {
    await at(first + k * WINDOW_MS + 400);
    const from = process.cpuUsage();
    const t = Date.now();
    await at(first + (k + 1) * WINDOW_MS - 50);
    waitingCpu += cpuMs(process.cpuUsage(from));
    waitingMs += Date.now() - t;
  }
  await at(first + SPAN_MS);
  const totalCpu = cpuMs(process.cpuUsage(cpuStart));
  const counted = starts.filter((s) => s < first + SPAN_MS).length;
  await queue.stop();
  return {
    allowed: (MAX * SPAN_MS) / WINDOW_MS,
    started: counted,
    waitingCpuPercent: Number(((waitingCpu / waitingMs) * 100).toFixed(2)),
    cpuPercent: Number(((totalCpu / SPAN_MS) * 100).toFixed(2)),
  };
}
