/**
 * What a person trying the REST API with curl gets back for the common mistakes: every
 * message names the field and says what is allowed, one message per field; a dedupe hit
 * is not "201 Created"; a known path asked with the wrong method is 405, not 404.
 */
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './harness.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const RUN_AT_RULE =
  'must be a time at most 10 years from now: epoch milliseconds, a Date, or an ISO-8601 text such as 2030-01-01T09:00:00Z';

describe('REST answers', () => {
  it.each([
    [
      'a missing payload',
      { type: 'echo' },
      [{ path: 'payload', message: "is required: the job's data, as its type's schema describes it ({} when it has none)" }],
    ],
    [
      'an empty type',
      { type: '', payload: {} },
      [{ path: 'type', message: 'must be the name of a registered job type (non-empty text), not empty text' }],
    ],
    [
      'an empty priority field',
      { type: 'echo', payload: { text: 'a' }, priority: '' },
      [{ path: 'priority', message: 'must be a whole number from 1 (first) to 10 (last), not empty text' }],
    ],
    [
      'a priority of 0.5',
      { type: 'echo', payload: { text: 'a' }, priority: 0.5 },
      [{ path: 'priority', message: 'must be a whole number from 1 (first) to 10 (last), not 0.5' }],
    ],
    [
      'a delay as text',
      { type: 'echo', payload: { text: 'a' }, delayMs: '5s' },
      [{ path: 'delayMs', message: 'must be a number of milliseconds from 0 to 315576000000 (10 years), not the text "5s"' }],
    ],
    ['runAt 1e300', { type: 'echo', payload: { text: 'a' }, runAt: 1e300 }, [{ path: 'runAt', message: `${RUN_AT_RULE}, not 1e+300` }]],
    [
      'runAt as words',
      { type: 'echo', payload: { text: 'a' }, runAt: 'tomorrow' },
      [{ path: 'runAt', message: `${RUN_AT_RULE}, not the text "tomorrow"` }],
    ],
    [
      'an unknown option',
      { type: 'echo', payload: { text: 'a' }, delay: 5 },
      [
        {
          path: 'delay',
          message:
            'is not a job option (the options are type, payload, priority, maxRetries, delayMs, runAt, dedupeKey, timeoutMs, manual, debounceMs, debounceMaxWaitMs)',
        },
      ],
    ],
    ['a payload field missing', { type: 'echo', payload: {} }, [{ path: 'payload.text', message: 'is required (text)' }]],
    [
      'a payload field of the wrong kind',
      { type: 'echo', payload: { text: 5 } },
      [{ path: 'payload.text', message: 'must be text, not 5' }],
    ],
    [
      'a payload that is not an object',
      { type: 'echo', payload: 'hi' },
      [{ path: 'payload', message: 'must be an object, not the text "hi"' }],
    ],
    [
      'a payload field too long',
      { type: 'echo', payload: { text: 'x'.repeat(101) } },
      [{ path: 'payload.text', message: 'must be at most 100 characters long' }],
    ],
  ])('POST /api/jobs with %s: 400 naming the field and what is allowed', async (_name, body, details) => {
    app ??= await startTestApp({ start: false });
    const res = await request(app.url).post('/api/jobs').send(body).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(res.body.error.details).toEqual(details);
    for (const d of details) expect(res.body.error.message).toContain(`${d.path}: ${d.message}`);
    const stats = await app.queue.getStats();
    expect(stats.pending + stats.delayed).toBe(0);
  });

  it('an ISO-8601 runAt is taken as the moment it names', async () => {
    app = await startTestApp({ start: false });
    const res = await request(app.url)
      .post('/api/jobs')
      .send({ type: 'echo', payload: { text: 'a' }, runAt: '2031-05-06T07:08:09Z' })
      .expect(201);
    const job = await request(app.url).get(`/api/jobs/${res.body.id}`).expect(200);
    expect(job.body.runAt).toBe(Date.parse('2031-05-06T07:08:09Z'));
  });

  it('GET /api/jobs?state=delayed returns jobs whose state says delayed', async () => {
    app = await startTestApp({ start: false });
    const later = await request(app.url)
      .post('/api/jobs')
      .send({ type: 'echo', payload: { text: 'a' }, delayMs: 60_000 })
      .expect(201);
    const now = await request(app.url)
      .post('/api/jobs')
      .send({ type: 'echo', payload: { text: 'b' } })
      .expect(201);
    const delayed = await request(app.url).get('/api/jobs?state=delayed').expect(200);
    expect(delayed.body.jobs.map((j: { id: string; state: string }) => [j.id, j.state])).toEqual([[later.body.id, 'delayed']]);
    const pending = await request(app.url).get('/api/jobs?state=pending').expect(200);
    expect(pending.body.jobs.map((j: { id: string; state: string }) => [j.id, j.state])).toEqual([[now.body.id, 'pending']]);
    expect((await request(app.url).get(`/api/jobs/${later.body.id}`).expect(200)).body.state).toBe('delayed');
  });

  it('PATCH /api/phase-config names the setting and what it takes', async () => {
    app = await startTestApp({ start: false });
    const res = await request(app.url).patch('/api/phase-config/enrichment').send({ maxPoster: '' }).expect(400);
    expect(res.body.error.details).toEqual([{ path: 'enrichment.maxPoster', message: 'must be a number, not empty text' }]);
  });

  it('a dedupe hit answers 200 with the id of the job holding the key, and stores nothing', async () => {
    app = await startTestApp({ start: false });
    const job = { type: 'echo', payload: { text: 'a' }, dedupeKey: 'one' };
    const first = await request(app.url).post('/api/jobs').send(job).expect(201);
    expect(first.body).toEqual({ id: first.body.id, created: true });
    const again = await request(app.url).post('/api/jobs').send(job).expect(200);
    expect(again.body).toEqual({ id: first.body.id, created: false });
    expect(again.headers.location).toBeUndefined();
    expect(again.headers['content-location']).toBe(`/api/jobs/${first.body.id}`);
    expect((await app.queue.getStats()).pending).toBe(1);
  });

  it('a known path asked with another method answers 405 with Allow; an unknown path is still 404', async () => {
    app = await startTestApp({ start: false });
    const put = await request(app.url).put('/api/jobs').send({}).expect(405);
    expect(put.headers.allow).toBe('POST, GET, HEAD, OPTIONS');
    expect(put.body.error).toEqual({ code: 'METHOD_NOT_ALLOWED', message: 'PUT is not allowed on /api/jobs; use POST, GET, HEAD' });
    const patch = await request(app.url).patch('/api/jobs/1').send({}).expect(405);
    expect(patch.headers.allow).toBe('GET, DELETE, HEAD, OPTIONS');
    expect((await request(app.url).delete('/api/jobs/stats').expect(404)).body.error.code).toBe('NOT_FOUND');
    expect((await request(app.url).post('/api/health').expect(405)).headers.allow).toBe('GET, HEAD, OPTIONS');
    expect((await request(app.url).options('/api/phase-config').expect(204)).headers.allow).toBe('GET, HEAD, OPTIONS');
    expect((await request(app.url).put('/api/nothing-here').expect(404)).body.error.code).toBe('NOT_FOUND');
  });
});
