/**
 * Chaos: 4 worker processes share one SQLite file and 20,000 jobs while a controller
 * SIGKILLs a random one every ~2 s and starts a replacement. Every run is journalled
 * (start and end, per process), so the test can prove, from the journals alone:
 * every job completed; no job ran in two live processes at once; a job ran again only
 * after the process running it was killed; re-runs <= kills x concurrency.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, SQLiteJobQueueStorage, type IJobQueueStorage } from '../../src/index.js';
import { BullMQJobQueueStorage } from '../../src/backends/redis/storage.js';
import { deletePrefix, freshPrefix, REDIS_URL, redisSkipReason } from '../bullmq/redisTestEnv.js';
import { makeTempDir, sleep, waitFor } from '../support/tmp.js';
import { reportFigures } from './support/figures.js';
import { killAll, spawnFixture, type Child } from './support/processes.js';

const JOBS = 20_000;
const PROCESSES = 4;
const CONCURRENCY = 4;
const LEASE_MS = 1_000;
const MAX_STALLS = 1_000;
const KILL_EVERY_MS = 2_000;

interface Run {
  id: string;
  proc: number;
  start: number;
  end: number | null;
}

/** Reads one process's journal into runs; a line cut by SIGKILL is ignored. */
function readJournal(file: string, proc: number): Run[] {
  if (!existsSync(file)) return [];
  const open = new Map<string, Run>();
  const runs: Run[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([SE]) (\d+) (\d+)$/.exec(line);
    if (!m) continue;
    const [, kind, id, t] = m as unknown as [string, 'S' | 'E', string, string];
    if (kind === 'S') {
      const run: Run = { id, proc, start: Number(t), end: null };
      open.set(id, run);
      runs.push(run);
    } else {
      const run = open.get(id);
      if (run) run.end = Number(t);
      open.delete(id);
    }
  }
  return runs;
}

interface Backend {
  name: string;
  title: string;
  /** Why the backend cannot run here, or null. */
  skip: () => Promise<string | null>;
  /** Storage for the test process, and the env that points the workers at the same store. */
  open: (db: string) => { storage: IJobQueueStorage; env: Record<string, string>; cleanup: () => Promise<void> };
}

const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    title: 'Chaos: SIGKILLed workers on one SQLite file',
    skip: async () => null,
    open: (db) => ({ storage: new SQLiteJobQueueStorage({ filename: db }), env: {}, cleanup: async () => {} }),
  },
  {
    name: 'redis',
    title: 'Chaos: SIGKILLed workers on one Redis',
    skip: redisSkipReason,
    open: () => {
      const prefix = freshPrefix();
      return {
        storage: new BullMQJobQueueStorage({ connection: REDIS_URL, prefix }),
        env: { PHASEQ_REDIS_URL: REDIS_URL, PHASEQ_REDIS_PREFIX: prefix },
        cleanup: () => deletePrefix(prefix),
      };
    },
  },
];

for (const backend of BACKENDS)
  describe(`chaos: SIGKILLed worker processes (${backend.name})`, () => {
    const children: Child[] = [];
    let cleanup = async (): Promise<void> => {};
    afterEach(async () => {
      killAll(children);
      children.length = 0;
      await cleanup();
    });

    it(`${JOBS.toLocaleString('en-US')} jobs survive a random SIGKILL every ~2 s`, async (ctx) => {
      const skip = await backend.skip();
      if (skip) ctx.skip(skip);
      const tmp = makeTempDir();
      const db = join(tmp.dir, 'jobs.db');
      const store = backend.open(db);
      cleanup = async () => {
        await store.cleanup();
        tmp.cleanup();
      };
      const registry = new HandlerRegistry();
      registry.register('chaos', async () => {}, { schema: z.object({ i: z.number() }) });
      // The producer never starts: it only stores jobs and reads counts. Retries are many
      // because every stall counts as an attempt and a job may be killed several times.
      const producer = new JobQueue({
        storage: store.storage,
        registry,
        maxRetries: 1_000,
        logger: pino({ level: 'silent' }),
      });
      // In batches of 1,000: one Redis script call per batch keeps its argument list small.
      const ids: string[] = [];
      for (let from = 0; from < JOBS; from += 1_000) {
        ids.push(...(await producer.addJobs(Array.from({ length: 1_000 }, (_, k) => ({ type: 'chaos', payload: { i: from + k } })))));
      }

      const procs: { child: Child; journal: string; killedAt: number | null }[] = [];
      const launch = async (): Promise<void> => {
        const journal = join(tmp.dir, `journal-${procs.length}.log`);
        const child = await spawnFixture(
          'chaos-worker.ts',
          [db, journal, String(CONCURRENCY), String(LEASE_MS), String(MAX_STALLS)],
          store.env,
        );
        children.push(child);
        procs.push({ child, journal, killedAt: null });
      };
      for (let i = 0; i < PROCESSES; i++) await launch();

      const began = Date.now();
      let kills = 0;
      let drained = false;
      let nextKill = Date.now() + KILL_EVERY_MS;
      const deadline = Date.now() + 150_000;
      while (!drained) {
        if (Date.now() > deadline) throw new Error('the queue did not drain within 150 s');
        await sleep(100);
        const s = await producer.getStats();
        drained = s.pending + s.processing + s.delayed + s.failed === 0;
        if (drained || Date.now() < nextKill) continue;
        // A random worker that is running jobs (not one still booting).
        const live = procs.filter((p) => p.killedAt === null && p.child.lines.includes('ready'));
        if (live.length === 0) continue;
        const victim = live[Math.floor(Math.random() * live.length)]!;
        victim.child.child.kill('SIGKILL');
        // The moment of death is the exit event: no run of the victim can be later.
        victim.killedAt = (await victim.child.exited).at;
        kills++;
        await launch();
        nextKill = Date.now() + KILL_EVERY_MS * (0.75 + Math.random() / 2);
      }
      const elapsedMs = Date.now() - began;
      const survivors = procs.filter((p) => p.killedAt === null);
      // SIGTERM before a child installed its handler would kill it: wait until each is ready.
      await waitFor(() => survivors.every((p) => p.child.lines.includes('ready')), 30_000, 'every survivor to be ready');
      for (const p of survivors) p.child.child.kill('SIGTERM');
      const exits = await Promise.all(survivors.map((p) => p.child.exited));
      expect(exits.map((e) => e.code)).toEqual(survivors.map(() => 0));

      // Final state: nothing pending, running, delayed or failed; the table is empty.
      const stats = await producer.getStats();
      expect(stats).toMatchObject({ pending: 0, processing: 0, delayed: 0, failed: 0 });
      expect(await producer.listJobs({ limit: 10 })).toEqual([]);
      const workerErrors = procs.flatMap((p) => p.child.lines.filter((l) => l.startsWith('worker-error')));
      expect(workerErrors).toEqual([]);

      const runs = procs.flatMap((p, n) => readJournal(p.journal, n));
      const byJob = new Map<string, Run[]>();
      for (const r of runs) {
        const list = byJob.get(r.id) ?? [];
        list.push(r);
        byJob.set(r.id, list);
      }
      // Every job ran, and its last run finished.
      expect(byJob.size).toBe(JOBS);
      expect(new Set(byJob.keys())).toEqual(new Set(ids));
      const violations: string[] = [];
      let reruns = 0;
      for (const [id, list] of byJob) {
        list.sort((a, b) => a.start - b.start);
        if (list.at(-1)!.end === null) violations.push(`job ${id}: its last run never finished`);
        for (let k = 0; k < list.length - 1; k++) {
          reruns++;
          const run = list[k]!;
          const next = list[k + 1]!;
          const killedAt = procs[run.proc]!.killedAt;
          // A job runs again only when the process running it was killed ...
          if (killedAt === null) violations.push(`job ${id}: ran again although process ${run.proc} was not killed`);
          // ... and never while that process was still alive.
          else if (next.start < killedAt) violations.push(`job ${id}: process ${next.proc} started it while process ${run.proc} was alive`);
          if (run.end !== null && next.start < run.end) violations.push(`job ${id}: two runs overlap`);
        }
      }
      expect(violations.slice(0, 20)).toEqual([]);
      expect(kills).toBeGreaterThan(0);
      expect(reruns).toBeLessThanOrEqual(kills * CONCURRENCY);

      const stallsRecovered = procs.reduce((n, p) => n + p.child.lines.filter((l) => l.startsWith('stalled ')).length, 0);
      reportFigures(`1-chaos-${backend.name}`, backend.title, {
        jobs: JOBS,
        'worker processes (live at once)': PROCESSES,
        'concurrency per process': CONCURRENCY,
        'lease (ms)': LEASE_MS,
        'processes started': procs.length,
        kills,
        'stalls recovered': stallsRecovered,
        're-runs': reruns,
        're-run bound (kills x concurrency)': kills * CONCURRENCY,
        'runs journalled': runs.length,
        'wall time (s)': elapsedMs / 1000,
        'throughput under chaos (jobs/s)': Math.round(JOBS / (elapsedMs / 1000)),
      });
      await producer.stop();
    });
  });
