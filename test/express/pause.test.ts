/**
 * The pause routes: state, pause and resume of the whole queue or one type, their errors,
 * and the API-key guard. The end state is read from the queue itself.
 */
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './harness.js';

const KEY = 'k'.repeat(32);
let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('pause routes', () => {
  it('pause and resume the whole queue or one type; GET tells what is paused', async () => {
    app = await startTestApp({ start: false });
    expect((await request(app.url).get('/api/queue/pause').expect(200)).body).toEqual({ paused: false, pausedTypes: [] });
    const whole = await request(app.url).post('/api/queue/pause').expect(200);
    expect(whole.body).toEqual({ type: null, changed: true, paused: true, pausedTypes: [] });
    expect(await app.queue.isPaused()).toBe(true);
    const again = await request(app.url).post('/api/queue/pause').send({}).expect(200);
    expect(again.body.changed).toBe(false);
    const echo = await request(app.url).post('/api/queue/pause').send({ type: 'echo' }).expect(200);
    expect(echo.body).toEqual({ type: 'echo', changed: true, paused: true, pausedTypes: ['echo'] });
    await request(app.url).post('/api/queue/resume').expect(200);
    expect(await app.queue.getPauseState()).toEqual({ queue: false, types: ['echo'] });
    const resumed = await request(app.url).post('/api/queue/resume').send({ type: 'echo' }).expect(200);
    expect(resumed.body).toEqual({ type: 'echo', changed: true, paused: false, pausedTypes: [] });
    expect((await request(app.url).get('/api/jobs/stats').expect(200)).body).toMatchObject({ paused: false, pausedTypes: [] });
  });

  it('a paused queue keeps its jobs pending until resumed', async () => {
    app = await startTestApp();
    await request(app.url).post('/api/queue/pause').send({ type: 'echo' }).expect(200);
    const { body } = await request(app.url)
      .post('/api/jobs')
      .send({ type: 'echo', payload: { text: 'held' } })
      .expect(201);
    await new Promise((r) => setTimeout(r, 150));
    expect(await app.queue.getJob(body.id)).toMatchObject({ state: 'pending', attempts: 0 });
    const done = new Promise((r) => app!.queue.once('job:completed', r));
    await request(app.url).post('/api/queue/resume').send({ type: 'echo' }).expect(200);
    await done;
  });

  it('names every bad field and changes nothing', async () => {
    app = await startTestApp({ start: false });
    const empty = await request(app.url).post('/api/queue/pause').send({ type: '' }).expect(400);
    expect(empty.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ path: 'type' }] });
    const extra = await request(app.url).post('/api/queue/pause').send({ type: 5, queue: true }).expect(400);
    expect(extra.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['queue', 'type']);
    const list = await request(app.url).post('/api/queue/resume').send(['echo']).expect(400);
    expect(list.body.error.code).toBe('VALIDATION_ERROR');
    await request(app.url).post('/api/queue/pause').set('Content-Type', 'text/plain').send('echo').expect(415);
    expect(await app.queue.getPauseState()).toEqual({ queue: false, types: [] });
  });

  it('needs the API key when one is set', async () => {
    app = await startTestApp({ apiKey: KEY, start: false });
    await request(app.url).get('/api/queue/pause').expect(401);
    await request(app.url).post('/api/queue/pause').expect(401);
    expect(await app.queue.isPaused()).toBe(false);
    await request(app.url).post('/api/queue/pause').set('Authorization', `Bearer ${KEY}`).expect(200);
    expect(await app.queue.isPaused()).toBe(true);
  });
});
