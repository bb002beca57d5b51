/**
 * Several real processes share one SQLite file: every job must run exactly once, and a
 * job whose process is SIGKILLed must be recovered by another after its lease expires.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, SQLiteJobQueueStorage } from '../../src/index.js';
import { makeTempDir, waitFor } from '../support/tmp.js';

const WORKER = join(import.meta.dirname, '../fixtures/worker-process.ts');

function spawnWorker(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

function producer(db: string): JobQueue {
  const registry = new HandlerRegistry();
  const schema = z.object({ i: z.number() });
  registry.register('record', async () => {}, { schema });
  registry.register('hang', async () => {}, { schema });
  return new JobQueue({ storage: new SQLiteJobQueueStorage({ filename: db }), registry, logger: pino({ level: 'silent' }) });
}

function records(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

describe('multiple processes on one SQLite file', () => {
  const children: ChildProcess[] = [];
  let cleanup = (): void => {};
  afterEach(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    children.length = 0;
    cleanup();
  });

  it('3 processes x 3 workers run 5,000 jobs exactly once and leave the table empty', async () => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    const db = join(tmp.dir, 'jobs.db');
    const queue = producer(db);
    await queue.getStats(); // creates the tables before the workers open the file
    const workers = [0, 1, 2].map((n) => spawnWorker([db, join(tmp.dir, `rec-${n}.txt`), '3', '30000']));
    children.push(...workers.map((w) => w.child));
    // Every process is up (its SIGTERM handler set, its workers claiming) before the jobs
    // arrive: on a loaded machine a late starter found the queue already drained, and a
    // SIGTERM before its handler was set killed it with no exit code.
    await waitFor(() => workers.every((w) => w.output().includes('ready')), 30_000, 'every worker process to be ready');
    const ids = await queue.addJobs(Array.from({ length: 5_000 }, (_, i) => ({ type: 'record', payload: { i } })));
    await waitFor(
      async () => {
        const s = await queue.getStats();
        return s.pending + s.processing + s.delayed === 0;
      },
      60_000,
      'the queue to drain',
    );
    for (const w of workers) w.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0, 0]);
    const all = [0, 1, 2].flatMap((n) => records(join(tmp.dir, `rec-${n}.txt`)));
    expect(all).toHaveLength(5_000);
    expect(new Set(all)).toEqual(new Set(ids));
    // Work was shared: every process ran some of it.
    for (let n = 0; n < 3; n++) expect(records(join(tmp.dir, `rec-${n}.txt`)).length).toBeGreaterThan(0);
    expect(await queue.getStats()).toMatchObject({ pending: 0, processing: 0, delayed: 0, failed: 0 });
    await queue.stop();
  });

  it('a job whose process is SIGKILLed is recovered by another process after its lease', async () => {
    const tmp = makeTempDir();
    cleanup = tmp.cleanup;
    const db = join(tmp.dir, 'jobs.db');
    const queue = producer(db);
    const id = await queue.addJob({ type: 'hang', payload: { i: 1 } });
    const victim = spawnWorker([db, join(tmp.dir, 'victim.txt'), '1', '1000']);
    children.push(victim.child);
    await waitFor(() => victim.output().includes(`started ${id}`), 20_000, 'the victim to start the job');
    // A live second process must not steal a job whose lease is being renewed.
    const registry = new HandlerRegistry();
    const ran: string[] = [];
    registry.register('hang', async (job) => void ran.push(job.id), { schema: z.object({ i: z.number() }) });
    registry.register('record', async () => {}, { schema: z.object({ i: z.number() }) });
    const rescuer = new JobQueue({
      storage: new SQLiteJobQueueStorage({ filename: db }),
      registry,
      leaseMs: 1_000,
      stalledCheckMs: 100,
      logger: pino({ level: 'silent' }),
    });
    const stalled: string[] = [];
    rescuer.on('job:stalled', ({ job }) => stalled.push(job.id));
    await rescuer.start();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(ran).toEqual([]);
    expect(await rescuer.getJob(id)).toMatchObject({ state: 'processing', attempts: 1 });
    expect(victim.child.exitCode).toBeNull();

    victim.child.kill('SIGKILL');
    await victim.exited;
    await waitFor(() => ran.length === 1, 20_000, 'the rescuer to run the job');
    expect(ran).toEqual([id]);
    expect(stalled).toEqual([id]);
    await waitFor(async () => (await rescuer.getJob(id)) === null, 5_000, 'the job row to be deleted');
    expect(records(join(tmp.dir, 'victim.txt'))).toEqual([id]);
    await rescuer.stop();
    await queue.stop();
  });
});
