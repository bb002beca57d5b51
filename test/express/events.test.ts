import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, SQLiteJobQueueStorage } from '../../src/index.js';
import { startTestApp, type TestApp } from './harness.js';
import { readEvents } from '../support/sse.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('GET /api/events', () => {
  it('streams stats on connect, job events with their payloads, fresh stats, and phase changes', async () => {
    app = await startTestApp();
    const a = app;
    let sent = false;
    const { events, response } = await readEvents(`${a.url}/api/events`, (seen) => {
      if (!sent && seen.some((e) => e.event === 'stats')) {
        sent = true;
        void a.queue.addJob({ type: 'echo', payload: { text: 'live' } });
        void a.queue.addJob({ type: 'boom', payload: {} });
        void a.phases.set('enrichment.maxPoster', 8);
      }
      const names = seen.map((e) => e.event);
      return (
        names.includes('job:completed') &&
        names.includes('job:failed') &&
        names.includes('phase-config:changed') &&
        names.lastIndexOf('stats') > names.indexOf('job:completed') &&
        names.lastIndexOf('stats') > names.indexOf('job:failed')
      );
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('stats');
    expect(names).toEqual(expect.arrayContaining(['job:added', 'job:started', 'job:completed', 'job:failed']));
    const completed = events.find((e) => e.event === 'job:completed')!.data as { job: { type: string }; result: unknown };
    expect(completed).toMatchObject({ job: { type: 'echo' }, result: { text: 'live' } });
    const failed = events.find((e) => e.event === 'job:failed')!.data as { error: { message: string } };
    expect(failed.error).toMatchObject({ name: 'Error', message: 'boom' });
    const change = events.find((e) => e.event === 'phase-config:changed')!.data;
    expect(change).toMatchObject({ key: 'enrichment.maxPoster', previous: 3, value: 8, origin: 'local' });
    const last = events.filter((e) => e.event === 'stats').at(-1)!.data as { failed: number; pending: number };
    expect(last).toMatchObject({ failed: 1, pending: 0 });
  });

  it('sends fresh counts when another process changed them, with no event in this one', async () => {
    app = await startTestApp();
    const a = app;
    // Another process's producer on the same database: this server's queue hears nothing of it.
    const registry = new HandlerRegistry();
    registry.register('echo', async () => undefined, { schema: z.object({ text: z.string() }) });
    const other = new JobQueue({
      storage: new SQLiteJobQueueStorage({ filename: path.join(a.dir, 'phaseq.db') }),
      registry,
      logger: pino({ level: 'silent' }),
    });
    try {
      let added = false;
      const { events } = await readEvents(`${a.url}/api/events`, (seen) => {
        if (!added && seen.some((e) => e.event === 'stats')) {
          added = true;
          // Delayed, so that this server's workers do not run it (which would send events).
          void other.addJob({ type: 'echo', payload: { text: 'elsewhere' }, delayMs: 3_600_000 });
        }
        return seen.some((e) => e.event === 'stats' && (e.data as { delayed: number }).delayed === 1);
      });
      expect(events.map((e) => e.event)).not.toContain('job:added');
      expect(events.at(-1)!.data).toMatchObject({ delayed: 1, byType: { echo: { delayed: 1 } } });
    } finally {
      await other.stop();
    }
  });

  it('stops listening to the queue when the client goes away', async () => {
    app = await startTestApp();
    const before = app.queue.listenerCount('job:completed');
    await readEvents(`${app.url}/api/events`, (seen) => seen.length > 0);
    // The server sees the close asynchronously: wait for it, bounded by the test timeout.
    while (app.queue.listenerCount('job:completed') !== before) await new Promise((r) => setTimeout(r, 10));
    expect(app.phases.listenerCount('changed')).toBe(0);
  });
});
