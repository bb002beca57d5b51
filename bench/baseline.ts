/**
 * This version's drain beside a baseline checkout's, in one process:
 * `node --import tsx bench/baseline.ts <baseline dir> <jobs> <concurrency> <rounds>` prints
 * one JSON line. Each round drains `jobs` no-op jobs once with each version (a fresh
 * SQLite file each), the order alternating, and the figures are the medians over the
 * rounds of the per-round ratio (jobs/s) and of the CPU per job.
 *
 * Why one process: two drains in two processes a few seconds apart differ by up to ±40 %
 * on a shared two-core machine (a WAL checkpoint thread, page cache, other tenants), which
 * buries a 5 % question; two drains back to back in one process meet the same conditions,
 * and neither always goes first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { z } from 'zod';
import * as current from '../src/index.js';

/** What a drain needs of a version's public API (the baseline's types are not this one's). */
interface Api {
  HandlerRegistry: new () => { register(type: string, handler: () => Promise<void>, options: { schema: z.ZodType }): unknown };
  SQLiteJobQueueStorage: new (options: { filename: string }) => unknown;
  JobQueue: new (options: { storage: unknown; registry: unknown; logger: pino.Logger; concurrency: number }) => {
    addJobs(inputs: { type: string; payload: unknown }[]): Promise<unknown>;
    once(event: 'queue:drained', listener: () => void): unknown;
    start(): Promise<void>;
    stop(): Promise<void>;
  };
}

const [dir = '', jobsArg = '100000', concArg = '3', roundsArg = '8'] = process.argv.slice(2);
const JOBS = Number(jobsArg);
const CONCURRENCY = Number(concArg);
const ROUNDS = Number(roundsArg);
const silent = pino({ level: 'silent' });

async function drain(api: Api): Promise<{ jobsPerSec: number; cpuUsPerJob: number }> {
  const tmp = mkdtempSync(join(tmpdir(), 'phaseq-bench-'));
  try {
    const registry = new api.HandlerRegistry();
    registry.register('noop', async () => {}, { schema: z.object({ i: z.number() }) });
    const storage = new api.SQLiteJobQueueStorage({ filename: join(tmp, 'bench.db') });
    const queue = new api.JobQueue({ storage, registry, logger: silent, concurrency: CONCURRENCY });
    for (let i = 0; i < JOBS; i += 1000) {
      await queue.addJobs(Array.from({ length: Math.min(1000, JOBS - i) }, (_, k) => ({ type: 'noop', payload: { i: i + k } })));
    }
    const drained = new Promise<void>((r) => queue.once('queue:drained', r));
    const cpu = process.cpuUsage();
    const t = performance.now();
    await queue.start();
    await drained;
    const ms = performance.now() - t;
    const used = process.cpuUsage(cpu);
    await queue.stop();
    return { jobsPerSec: JOBS / (ms / 1000), cpuUsPerJob: (used.user + used.system) / JOBS };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

if (!dir) throw new Error('usage: bench/baseline.ts <baseline dir> [jobs] [concurrency] [rounds]');
const baseline = (await import(pathToFileURL(resolve(dir, 'src/index.ts')).href)) as Api;
const mine = current as unknown as Api;
const runs: { mine: Awaited<ReturnType<typeof drain>>; base: Awaited<ReturnType<typeof drain>> }[] = [];
for (let r = 0; r < ROUNDS; r++) {
  if (r % 2 === 0) {
    const m = await drain(mine);
    runs.push({ mine: m, base: await drain(baseline) });
  } else {
    const b = await drain(baseline);
    runs.push({ mine: await drain(mine), base: b });
  }
}
const ratios = runs.map((r) => r.mine.jobsPerSec / r.base.jobsPerSec);
console.log(
  JSON.stringify({
    jobsPerSec: median(runs.map((r) => r.mine.jobsPerSec)),
    baselineJobsPerSec: median(runs.map((r) => r.base.jobsPerSec)),
    ratio: median(ratios),
    minRatio: Math.min(...ratios),
    maxRatio: Math.max(...ratios),
    cpuRatio: median(runs.map((r) => r.mine.cpuUsPerJob / r.base.cpuUsPerJob)),
  }),
);
