/**
 * QueueHistory on a real SQLite queue: what it counts, when it samples, that it stops
 * with the queue, and that its timer never keeps a process alive.
 */
import { spawn } from 'node:child_process';
import { renameSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, QueueHistory, SQLiteJobQueueStorage, UnrecoverableError, ValidationError } from '../../src/index.js';
import { makeTempDir, sleep, waitFor } from '../support/tmp.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function makeQueue(logLines: string[] = []): { queue: JobQueue; db: string } {
  const tmp = makeTempDir('phaseq-history-');
  cleanups.push(tmp.cleanup);
  const db = path.join(tmp.dir, 'jobs.db');
  const registry = new HandlerRegistry();
  registry.register('ok', async () => {}, { schema: z.object({}) });
  registry.register(
    'doomed',
    async () => {
      throw new UnrecoverableError('no');
    },
    { schema: z.object({}) },
  );
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) });
  const queue = new JobQueue({ storage: new SQLiteJobQueueStorage({ filename: db }), registry, logger });
  cleanups.push(() => queue.stop());
  return { queue, db };
}

function outcomes(queue: JobQueue, n: number): Promise<void> {
  let left = n;
  return new Promise((resolve) => {
    const one = (): void => {
      if (--left === 0) resolve();
    };
    queue.on('job:completed', one);
    queue.on('job:failed', one);
  });
}

const total = (history: QueueHistory, key: 'completed' | 'failed'): number => history.snapshot().buckets.reduce((n, b) => n + b[key], 0);

describe('QueueHistory', () => {
  it('counts completed and failed jobs and samples the depth at each interval', async () => {
    const { queue } = makeQueue();
    const history = new QueueHistory(queue, { intervalMs: 100, size: 50 });
    const done = outcomes(queue, 4);
    await queue.addJobs([
      { type: 'ok', payload: {} },
      { type: 'ok', payload: {} },
      { type: 'ok', payload: {} },
      { type: 'doomed', payload: {} },
      { type: 'ok', payload: {}, delayMs: 3_600_000 },
    ]);
    await queue.start();
    await done;
    expect([total(history, 'completed'), total(history, 'failed')]).toEqual([3, 1]);
    // A sample taken after the jobs ran shows the one delayed job left.
    await waitFor(() => history.snapshot().buckets.some((b) => b.depth?.delayed === 1 && b.depth.pending === 0), 10_000);
    const { buckets, intervalMs, since, recording } = history.snapshot();
    expect([intervalMs, recording]).toEqual([100, true]);
    expect(buckets[0]!.start).toBe(Math.floor(since / 100) * 100);
    expect(buckets.length).toBeLessThanOrEqual(50);
  });

  it('keeps at most `size` buckets', async () => {
    const { queue } = makeQueue();
    const history = new QueueHistory(queue, { intervalMs: 20, size: 3 });
    await waitFor(() => Date.now() >= history.since + 200, 10_000);
    const { buckets } = history.snapshot();
    expect(buckets).toHaveLength(3);
    expect(buckets[2]!.start - buckets[0]!.start).toBe(40);
    history.stop();
  });

  it('stops with the queue: no listener left, no sample after stop(), recorded buckets still readable', async () => {
    const { queue } = makeQueue();
    const history = new QueueHistory(queue, { intervalMs: 30 });
    const done = outcomes(queue, 1);
    await queue.start();
    await queue.addJob({ type: 'ok', payload: {} });
    await done;
    await queue.stop();
    const stoppedAt = Date.now();
    expect(history.recording).toBe(false);
    expect(queue.listenerCount('job:completed')).toBe(1); // only outcomes() above
    expect(queue.listenerCount('queue:stopped')).toBe(0);
    await sleep(150);
    const snapshot = history.snapshot();
    expect(snapshot.recording).toBe(false);
    expect(total(history, 'completed')).toBe(1);
    expect(snapshot.buckets.filter((b) => b.depth !== null && b.start > stoppedAt)).toEqual([]);
  });

  it('stop() ends counting; the queue goes on', async () => {
    const { queue } = makeQueue();
    const history = new QueueHistory(queue);
    await queue.start();
    let done = outcomes(queue, 1);
    await queue.addJob({ type: 'ok', payload: {} });
    await done;
    history.stop();
    history.stop();
    done = outcomes(queue, 1);
    await queue.addJob({ type: 'ok', payload: {} });
    await done;
    expect(total(history, 'completed')).toBe(1);
  });

  it('logs a failed depth sample as a warning and leaves that depth empty', async () => {
    const lines: string[] = [];
    const { queue, db } = makeQueue(lines);
    await queue.start();
    renameSync(db, `${db}.moved`);
    cleanups.push(() => renameSync(`${db}.moved`, db));
    const history = new QueueHistory(queue, { intervalMs: 50 });
    await waitFor(() => lines.some((l) => l.includes('queue history: depth sample failed')), 10_000, 'the warning');
    const warning = JSON.parse(lines.find((l) => l.includes('queue history'))!) as { level: number; err: { code: string } };
    expect(warning.level).toBe(40);
    expect(warning.err.code).toBe('STORAGE_ERROR');
    history.stop();
  });

  it('refuses bad options, naming each', () => {
    const { queue } = makeQueue();
    const paths = (options: object): string[] => {
      try {
        new QueueHistory(queue, options).stop();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).issues.map((i) => i.path);
      }
      return [];
    };
    expect(paths({ intervalMs: 5 })).toEqual(['intervalMs']);
    expect(paths({ intervalMs: 1.5, size: 0 })).toEqual(['intervalMs', 'size']);
    expect(paths({ size: 1441 })).toEqual(['size']);
    expect(paths({ size: 60, intervalMs: 60_000 })).toEqual([]);
  });

  it('its timer does not keep a process alive', async () => {
    // A producer-only process with a history and no stop() exits on its own once its work
    // is done; a referenced timer would keep it running until the test's timeout.
    const script = path.join(import.meta.dirname, 'fixtures/history-process.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'], timeout: 30_000 });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(exitCode).toBe(0);
    expect(out).toContain('recording=true sampled=true');
  });
});

describe('queue:stopped', () => {
  it('follows stop() of a started queue and of a producer-only queue', async () => {
    for (const start of [true, false]) {
      const { queue } = makeQueue();
      let stopped = 0;
      queue.on('queue:stopped', () => stopped++);
      if (start) await queue.start();
      else await queue.addJob({ type: 'ok', payload: {} });
      const stopping = queue.stop();
      expect(stopped).toBe(0);
      await stopping;
      expect(stopped, `started: ${start}`).toBe(1);
    }
  });
});
