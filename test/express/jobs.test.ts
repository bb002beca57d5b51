import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobQueue } from '../../src/index.js';
import { startTestApp, type TestApp } from './harness.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function once(queue: JobQueue, event: 'job:completed' | 'job:failed' | 'job:started' | 'job:cancelled'): Promise<void> {
  return new Promise((resolve) => queue.once(event, () => resolve()));
}

describe('jobs routes', () => {
  it('POST /api/jobs stores a valid job: 201 with its id and Location', async () => {
    app = await startTestApp({ start: false });
    const res = await request(app.url)
      .post('/api/jobs')
      .send({ type: 'echo', payload: { text: 'hi' }, priority: 2 })
      .expect(201);
    expect(typeof res.body.id).toBe('string');
    expect(res.headers.location).toBe(`/api/jobs/${res.body.id}`);
    const job = await request(app.url).get(res.headers.location!).expect(200);
    expect(job.body).toMatchObject({ id: res.body.id, type: 'echo', payload: { text: 'hi' }, state: 'pending', priority: 2 });
  });

  it('a job that completes is gone afterwards (404)', async () => {
    app = await startTestApp();
    const done = once(app.queue, 'job:completed');
    const res = await request(app.url)
      .post('/api/jobs')
      .send({ type: 'echo', payload: { text: 'x' } })
      .expect(201);
    await done;
    const gone = await request(app.url).get(`/api/jobs/${res.body.id}`).expect(404);
    expect(gone.body.error.code).toBe('NOT_FOUND');
  });

  it('POST /api/jobs refuses bad input with a named error and stores nothing', async () => {
    app = await startTestApp({ start: false });
    const badPayload = await request(app.url)
      .post('/api/jobs')
      .send({ type: 'echo', payload: { text: 5 } })
      .expect(400);
    expect(badPayload.body.error.code).toBe('VALIDATION_ERROR');
    expect(badPayload.body.error.details.map((d: { path: string }) => d.path)).toContain('payload.text');
    const unknownType = await request(app.url).post('/api/jobs').send({ type: 'nope', payload: {} }).expect(400);
    expect(unknownType.body.error).toMatchObject({ code: 'UNKNOWN_JOB_TYPE', details: { type: 'nope' } });
    const badPriority = await request(app.url)
      .post('/api/jobs')
      .send({ type: 'echo', payload: { text: 'a' }, priority: 99 })
      .expect(400);
    expect(badPriority.body.error.details.map((d: { path: string }) => d.path)).toContain('priority');
    const notObject = await request(app.url).post('/api/jobs').send(['echo']).expect(400);
    expect(notObject.body.error.code).toBe('VALIDATION_ERROR');
    const stats = await app.queue.getStats();
    expect(stats.pending + stats.delayed).toBe(0);
  });

  it('GET /api/jobs filters by state and type and pages', async () => {
    app = await startTestApp({ start: false });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await app.queue.addJob({ type: 'echo', payload: { text: `e${i}` } }));
    const delayed = await app.queue.addJob({ type: 'wait', payload: {}, delayMs: 60_000 });
    const all = await request(app.url).get('/api/jobs').expect(200);
    expect(all.body.jobs).toHaveLength(4);
    expect(all.body).toMatchObject({ limit: 50, offset: 0 });
    const pending = await request(app.url).get('/api/jobs?state=pending').expect(200);
    expect(pending.body.jobs.map((j: { id: string }) => j.id)).toEqual(ids);
    const late = await request(app.url).get('/api/jobs?state=delayed').expect(200);
    expect(late.body.jobs.map((j: { id: string }) => j.id)).toEqual([delayed]);
    const byType = await request(app.url).get('/api/jobs?type=wait').expect(200);
    expect(byType.body.jobs.map((j: { id: string }) => j.id)).toEqual([delayed]);
    const page = await request(app.url).get('/api/jobs?state=pending&limit=2&offset=1').expect(200);
    expect(page.body.jobs.map((j: { id: string }) => j.id)).toEqual(ids.slice(1, 3));
  });

  it('GET /api/jobs names every bad query parameter', async () => {
    app = await startTestApp({ start: false });
    const res = await request(app.url).get('/api/jobs?state=done&limit=0&offset=-1&sort=id').expect(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['limit', 'offset', 'sort', 'state']);
    const big = await request(app.url).get('/api/jobs?limit=100000').expect(400);
    expect(big.body.error.details[0]).toMatchObject({ path: 'limit', message: expect.stringContaining('500') });
    const twice = await request(app.url).get('/api/jobs?type=a&type=b').expect(400);
    expect(twice.body.error.details[0].path).toBe('type');
  });

  it('GET /api/jobs/stats counts per state and type', async () => {
    app = await startTestApp({ start: false });
    await app.queue.addJob({ type: 'echo', payload: { text: 'a' } });
    await app.queue.addJob({ type: 'echo', payload: { text: 'b' } });
    await app.queue.addJob({ type: 'wait', payload: {}, delayMs: 60_000 });
    const res = await request(app.url).get('/api/jobs/stats').expect(200);
    expect(res.body).toMatchObject({ pending: 2, delayed: 1, processing: 0, failed: 0, paused: false, workers: 0, withoutWorker: 3 });
    expect(res.body.byType.echo).toEqual({ pending: 2, delayed: 0, processing: 0, failed: 0, paused: false, workers: 0 });
    expect(res.body.byType.wait.delayed).toBe(1);
  });

  it('DELETE cancels a pending job (200), asks a running one to stop (202), and 404s an unknown id', async () => {
    app = await startTestApp();
    const pending = await app.queue.addJob({ type: 'echo', payload: { text: 'later' }, delayMs: 60_000 });
    const del = await request(app.url).delete(`/api/jobs/${pending}`).expect(200);
    expect(del.body).toEqual({ id: pending, result: 'cancelled' });
    expect(await app.queue.getJob(pending)).toBeNull();
    await request(app.url).delete(`/api/jobs/${pending}`).expect(404);

    const started = once(app.queue, 'job:started');
    const running = await app.queue.addJob({ type: 'wait', payload: {} });
    await started;
    const cancelled = once(app.queue, 'job:cancelled');
    const res = await request(app.url).delete(`/api/jobs/${running}`).expect(202);
    expect(res.body).toEqual({ id: running, result: 'cancelling' });
    await cancelled;
    expect(await app.queue.getJob(running)).toBeNull();
  });

  it('POST /api/jobs/:id/retry puts a failed job back; anything else is 404', async () => {
    app = await startTestApp({ start: false });
    const id = await app.queue.addJob({ type: 'boom', payload: {} });
    const failed = once(app.queue, 'job:failed');
    await app.queue.start();
    await failed;
    const listed = await request(app.url).get('/api/jobs?state=failed').expect(200);
    expect(listed.body.jobs).toMatchObject([{ id, state: 'failed', lastError: expect.stringContaining('boom') }]);
    // The stored error has its stack; the API leaves the frames (server file names) out.
    expect((await app.queue.getJob(id))?.lastError).toMatch(/^\s+at /m);
    expect(listed.body.jobs[0].lastError).not.toMatch(/^\s+at /m);
    expect((await request(app.url).get(`/api/jobs/${id}`).expect(200)).body.lastError).toBe(listed.body.jobs[0].lastError);
    await app.queue.stop();
    const res = await request(app.url).post(`/api/jobs/${id}/retry`).expect(200);
    expect(res.body).toMatchObject({ id, state: 'pending', attempts: 0 });
    expect(res.body.lastError ?? '').not.toMatch(/^\s+at /m);
    const again = await request(app.url).post(`/api/jobs/${id}/retry`).expect(404);
    expect(again.body.error.code).toBe('NOT_FOUND');
    await request(app.url).post('/api/jobs/999999/retry').expect(404);
  });
});
