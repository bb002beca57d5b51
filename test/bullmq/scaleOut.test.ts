/**
 * Scale-out on Redis: three worker processes share one queue of 10,000 jobs; one is
 * SIGKILLed mid-run. Every job must be completed exactly once, and the jobs the killed
 * process held must be recovered and completed by the others.
 *
 * "Completed" is read from the queue's event stream, whose `completed` entry is written
 * by the same atomic script that deletes the job, so it is exact even for the process
 * killed between recording a completion and running its own listeners.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BullMQJobQueueStorage } from '../../src/backends/redis/storage.js';
import type { NewJob } from '../../src/storage/types.js';
import { newJob } from '../support/jobs.js';
import { deletePrefix, freshPrefix, REDIS_URL, redisSkipReason } from './redisTestEnv.js';

const skip = await redisSkipReason();
const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'scaleWorker.ts');
const JOBS = 10_000;

interface WorkerProcess {
  child: ChildProcess;
  /** Marks the events this process recorded. */
  origin: string;
}

function startWorker(prefix: string, handlerMs = 2): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, REDIS_URL, PREFIX: prefix, CONCURRENCY: '10', HANDLER_MS: String(handlerMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      const ready = /ready (\S+)/.exec(d.toString());
      if (ready) resolve({ child, origin: ready[1]! });
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before ready: ${stderr}`)));
  });
}

function job(n: number): NewJob {
  return newJob({ type: 'scale', payload: { n }, runAt: 0 });
}

/** Every entry of the queue's event stream, as field maps. */
async function readEvents(redis: Redis, prefix: string): Promise<Record<string, string>[]> {
  const out: Record<string, string>[] = [];
  let start = '-';
  for (;;) {
    const page = await redis.xrange(`${prefix}:jobs:events`, start, '+', 'COUNT', 5000);
    for (const [, fields] of page) {
      const entry: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) entry[fields[i] as string] = fields[i + 1] as string;
      out.push(entry);
    }
    if (page.length < 5000) return out;
    start = `(${page[page.length - 1]![0]}`;
  }
}

describe.skipIf(skip !== null)(`scale-out on Redis${skip ? ` — skipped: ${skip}` : ''}`, () => {
  let prefix: string;
  let children: WorkerProcess[] = [];
  let storage: BullMQJobQueueStorage;
  let redis: Redis;

  beforeEach(async () => {
    prefix = freshPrefix();
    // The stream must keep every completion of the run for the final count.
    storage = new BullMQJobQueueStorage({ connection: REDIS_URL, prefix, maxEvents: 100_000 });
    await storage.init();
    redis = new Redis(REDIS_URL);
  });

  afterEach(async () => {
    for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    children = [];
    await storage.close();
    redis.disconnect();
    await deletePrefix(prefix);
  });

  it('3 processes complete 10,000 jobs exactly once, recovering those of a killed process', async () => {
    // The victim's jobs take 200 ms, so it holds leased jobs at any moment: with 2 ms jobs
    // the completions it had already sent could land after the kill and leave nothing to recover.
    children = await Promise.all([startWorker(prefix, 200), startWorker(prefix), startWorker(prefix)]);
    const [victimProcess, ...survivorProcesses] = children as [WorkerProcess, WorkerProcess, WorkerProcess];
    const victim = victimProcess.child;
    const survivors = survivorProcesses.map((p) => p.child);

    for (let i = 0; i < JOBS; i += 1000) {
      await storage.add(
        Array.from({ length: 1000 }, (_, k) => job(i + k)),
        Date.now(),
      );
    }

    // Kill one process mid-run, while it holds leased jobs.
    await expect.poll(async () => (await redis.xlen(`${prefix}:jobs:events`)) >= JOBS / 5, { timeout: 30_000, interval: 20 }).toBe(true);
    const held = async () =>
      (await storage.list({ state: 'processing', limit: 1000 }, Date.now())).filter((j) => j.lockedBy?.includes(`:${victim.pid}:`));
    await expect.poll(async () => (await held()).length, { timeout: 10_000, interval: 1 }).toBeGreaterThan(0);
    victim.kill('SIGKILL');
    await new Promise<void>((resolve) => victim.once('exit', () => resolve()));
    // Commands the victim wrote before it died still run on Redis; let them land. Its
    // leases (1 s, renewed every 200 ms) cannot expire within this wait.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const orphaned = (await held()).map((j) => j.id);
    expect(orphaned.length).toBeGreaterThan(0);

    await expect
      .poll(
        async () => {
          const s = await storage.stats(Date.now());
          return s.pending + s.delayed + s.processing + s.failed;
        },
        { timeout: 90_000, interval: 100 },
      )
      .toBe(0);

    const events = await readEvents(redis, prefix);
    const completed = new Map<string, number>();
    for (const e of events) if (e.event === 'completed') completed.set(e.jobId!, (completed.get(e.jobId!) ?? 0) + 1);
    expect(events.filter((e) => e.event === 'failed')).toEqual([]);
    expect(completed.size).toBe(JOBS);
    expect([...completed.values()].filter((n) => n !== 1)).toEqual([]);

    // Every job the dead process still held was recovered (stalled) by a survivor and
    // completed by one.
    const stalled = new Set(events.filter((e) => e.event === 'stalled').map((e) => e.jobId));
    const recovered = orphaned.filter((id) => stalled.has(id));
    expect(recovered).toEqual(orphaned);
    const completedBy = new Map(events.filter((e) => e.event === 'completed').map((e) => [e.jobId, e.origin]));
    const survivorOrigins = survivorProcesses.map((p) => p.origin);
    for (const id of recovered) expect(survivorOrigins).toContain(completedBy.get(id));
    const recoveredBy = new Set(events.filter((e) => e.event === 'stalled').map((e) => e.origin));
    expect(recoveredBy.has(victimProcess.origin)).toBe(false);
    for (const c of survivors) expect(c.exitCode).toBeNull();
    await Promise.all(
      survivors.map(
        (c) =>
          new Promise<void>((resolve) => {
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
          }),
      ),
    );
    expect(survivors.map((c) => c.exitCode)).toEqual([0, 0]);
  }, 180_000);
});
