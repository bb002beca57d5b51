/**
 * `GET /api/queue/types`: the job types with the limits of their registrations, their
 * pause and their live workers, as the queue describes them; and the API-key guard.
 */
import path from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, SQLiteJobQueueStorage } from '../../src/index.js';
import { startTestApp, type TestApp } from './harness.js';

const KEY = 'k'.repeat(32);
let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('GET /api/queue/types', () => {
  it('lists every registered type with its limits, and a type only another process registers', async () => {
    app = await startTestApp();
    app.queue.registry.register('disk', async () => {}, {
      schema: z.object({ drive: z.string() }),
      concurrency: 2,
      group: { by: (p) => p.drive, concurrency: 1 },
    });
    await request(app.url).post('/api/queue/pause').send({ type: 'boom' }).expect(200);
    // A producer in another process adds a job of a type no live worker runs.
    const producer = new JobQueue({
      storage: new SQLiteJobQueueStorage({ filename: path.join(app.dir, 'phaseq.db') }),
      registry: new HandlerRegistry().register('transcode', async () => {}, { schema: z.object({}) }),
    });
    await producer.addJob({ type: 'transcode', payload: {} });
    await producer.stop();

    const { body } = await request(app.url).get('/api/queue/types').expect(200);
    expect(body).toEqual({ types: await app.queue.getJobTypes() });
    const byName = Object.fromEntries((body.types as { type: string }[]).map((t) => [t.type, t]));
    expect(Object.keys(byName)).toEqual(['boom', 'disk', 'echo', 'transcode', 'wait']);
    expect(byName.disk).toEqual({
      type: 'disk',
      registered: true,
      concurrency: 2,
      group: { concurrency: 1 },
      paused: false,
      typePaused: false,
      workers: null,
    });
    expect(byName.boom).toMatchObject({ concurrency: null, group: null, paused: true, typePaused: true });
    expect(byName.transcode).toEqual({
      type: 'transcode',
      registered: false,
      concurrency: null,
      group: null,
      paused: false,
      typePaused: false,
      workers: 0,
    });
  });

  it('needs the API key when one is set', async () => {
    app = await startTestApp({ apiKey: KEY, start: false });
    await request(app.url).get('/api/queue/types').expect(401);
    const { body } = await request(app.url).get('/api/queue/types').set('Authorization', `Bearer ${KEY}`).expect(200);
    expect(body.types.map((t: { type: string }) => t.type)).toEqual(['boom', 'echo', 'wait']);
  });

  it('answers other methods with 405', async () => {
    app = await startTestApp({ start: false });
    const res = await request(app.url).post('/api/queue/types').expect(405);
    expect(res.headers.allow).toContain('GET');
  });
});
