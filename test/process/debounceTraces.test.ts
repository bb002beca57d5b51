/**
 * Debounce and traces across real processes, on a SQLite file and on Redis: two producer
 * processes adding one burst each with the same key leave one job, run once by a worker
 * process; and a job added inside a span of this process runs in a worker process's span
 * of the same trace, the producer's span its parent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { trace } from '@opentelemetry/api';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HandlerRegistry, JobQueue } from '../../src/index.js';
import { PROCESS_STORES, type ProcessStore } from './support/stores.js';
import { makeTempDir, waitFor } from '../support/tmp.js';
import { installTracing } from '../support/tracing.js';

const FIXTURE = path.join(import.meta.dirname, 'fixtures/debounceTraceWorker.ts');

function lines(file: string, kind: string): string[][] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(`${kind} `))
    .map((l) => l.split(' ').slice(1));
}

for (const place of PROCESS_STORES) {
  describe(`debounce and traces across processes (${place.name})`, () => {
    const children: ChildProcess[] = [];
    const cleanups: (() => void | Promise<void>)[] = [];
    afterEach(async () => {
      for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
      for (const fn of cleanups.splice(0).reverse()) await fn();
    });

    function setup(): { store: ProcessStore; journal: string; queue: JobQueue } {
      const tmp = makeTempDir();
      const store = place.open(tmp.dir);
      const registry = new HandlerRegistry();
      registry.register('reindex', () => {}, { schema: z.object({ v: z.number(), from: z.number() }) });
      const queue = new JobQueue({ storage: store.storage(), registry, logger: pino({ level: 'silent' }), scheduler: false });
      cleanups.push(
        tmp.cleanup,
        () => store.cleanup(),
        () => queue.stop(),
      );
      return { store, journal: path.join(tmp.dir, 'journal.txt'), queue };
    }

    /** Runs the fixture; resolves with its stdout once it printed `until` (or exited, for producers). */
    function run(store: ProcessStore, env: Record<string, string>, until?: string): Promise<string> {
      const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
        env: { ...process.env, ...store.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      return new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (until !== undefined && stdout.includes(until)) resolve(stdout);
        });
        child.once('exit', (code) =>
          code === 0 && until === undefined ? resolve(stdout) : reject(new Error(`fixture exited (${code}): ${stderr}`)),
        );
      });
    }

    it('two producer processes bursting with one key leave one job; a worker process runs it once, with a last payload', async () => {
      const { store, journal, queue } = setup();
      const produce = { MODE: 'produce', COUNT: '100', DEBOUNCE_MS: '1500', JOURNAL: journal };
      const results = (await Promise.all([run(store, produce), run(store, produce)])).map(
        (out) => JSON.parse(out.trim().split('\n').pop()!) as { ids: string[]; created: number },
      );
      const ids = new Set(results.flatMap((r) => r.ids));
      expect(ids.size).toBe(1);
      expect(results[0]!.created + results[1]!.created).toBe(1);
      const [id] = [...ids];
      const pending = await queue.getJob(id!);
      expect(pending).toMatchObject({ dedupeKey: 'doc', attempts: 0 });
      expect(['pending', 'delayed']).toContain(pending!.state);
      expect((pending!.payload as { v: number }).v).toBe(100);

      await run(store, { MODE: 'work', JOURNAL: journal }, 'ready');
      await waitFor(
        async () => {
          const s = await queue.getStats();
          return lines(journal, 'run').length > 0 && s.pending + s.delayed + s.processing === 0;
        },
        30_000,
        'the debounced run',
      );
      const runs = lines(journal, 'run');
      expect(runs).toHaveLength(1);
      expect(runs[0]![0]).toBe(id);
      expect(JSON.parse(runs[0]![1]!)).toEqual(pending!.payload);
    });

    it('a job added inside a span here runs in a worker process span of the same trace, the producer span its parent', async () => {
      const { store, journal, queue } = setup();
      const tracing = installTracing();
      cleanups.push(() => tracing.uninstall());
      await run(store, { MODE: 'work', JOURNAL: journal }, 'ready');
      const { id, traceId, spanId } = await trace.getTracer('test').startActiveSpan('publish', async (span) => {
        try {
          const added = await queue.addJob({ type: 'reindex', payload: { v: 1, from: process.pid } });
          return { id: added, traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
        } finally {
          span.end();
        }
      });
      await waitFor(() => lines(journal, 'span').length > 0, 30_000, 'the worker span');
      expect(lines(journal, 'span')).toEqual([[traceId, spanId, 'completed', id]]);
      expect(lines(journal, 'run').map((r) => r[0])).toEqual([id]);
    });
  });
}
