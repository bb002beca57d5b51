import { afterEach, describe, expect, it } from 'vitest';
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
      return names.includes('job:completed') && names.includes('job:failed') && names.includes('phase-config:changed') &&
        names.lastIndexOf('stats') > names.indexOf('job:completed') && names.lastIndexOf('stats') > names.indexOf('job:failed');
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

  it('stops listening to the queue when the client goes away', async () => {
    app = await startTestApp();
    const before = app.queue.listenerCount('job:completed');
    await readEvents(`${app.url}/api/events`, (seen) => seen.length > 0);
    // The server sees the close asynchronously: wait for it, bounded by the test timeout.
    while (app.queue.listenerCount('job:completed') !== before) await new Promise((r) => setTimeout(r, 10));
    expect(app.phases.listenerCount('changed')).toBe(0);
  });
});
