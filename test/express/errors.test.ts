import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/index.js';
import { startTestApp, type TestApp } from './harness.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('one error shape for every bad request', () => {
  it('malformed JSON is 400 INVALID_JSON', async () => {
    app = await startTestApp({ start: false });
    for (const [method, path] of [
      ['patch', '/api/phase-config/scan'],
      ['post', '/api/jobs'],
      ['post', '/api/phase-config/reset'],
    ] as const) {
      const res = await request(app.url)[method](path).set('Content-Type', 'application/json').send('{"minFileSizeMB": 1,').expect(400);
      expect(res.body).toEqual({ error: { code: 'INVALID_JSON', message: 'The request body is not valid JSON' } });
    }
    expect((await app.phases.getConfig('scan')).minFileSizeMB).toBe(50);
  });

  it('a body that is not JSON is 415, and nothing is stored', async () => {
    app = await startTestApp({ start: false });
    const text = await request(app.url)
      .patch('/api/phase-config/scan')
      .set('Content-Type', 'text/plain')
      .send('minFileSizeMB=1')
      .expect(415);
    expect(text.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const form = await request(app.url).post('/api/jobs').type('form').send({ type: 'echo' }).expect(415);
    expect(form.body.error.message).toContain('application/x-www-form-urlencoded');
    const latin1 = await request(app.url)
      .patch('/api/phase-config/scan')
      .set('Content-Type', 'application/json; charset=latin1')
      .send('{}')
      .expect(415);
    expect(latin1.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect((await app.phases.getConfig('scan')).minFileSizeMB).toBe(50);
  });

  it('a body over the limit is 413, with the limit configurable', async () => {
    app = await startTestApp({ start: false, bodyLimit: 1024 });
    const big = { type: 'echo', payload: { text: 'x'.repeat(2000) } };
    const res = await request(app.url).post('/api/jobs').send(big).expect(413);
    expect(res.body.error).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than the limit of 1024 bytes' });
    await request(app.url)
      .post('/api/jobs')
      .send({ type: 'echo', payload: { text: 'small' } })
      .expect(201);
    expect((await app.queue.getStats()).pending).toBe(1);
  });

  it('unknown routes are 404 in the same shape, not HTML', async () => {
    app = await startTestApp({ start: false });
    const res = await request(app.url).get('/api/nope?x=1').expect(404);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: 'No route GET /api/nope' } });
    const wrongMethod = await request(app.url).put('/api/jobs').send({}).expect(405);
    expect(wrongMethod.body.error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('a 500 says nothing about the failure; the log gets the whole error', async () => {
    app = await startTestApp({ start: false });
    app.queue.getStats = async () => {
      throw new TypeError('secret detail at /srv/private/file.db');
    };
    const res = await request(app.url).get('/api/jobs/stats').expect(500);
    expect(res.body).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'Internal server error' } });
    expect(res.text).not.toContain('secret');
    expect(res.text).not.toMatch(/\bat\s/);
    expect(app.errors).toHaveLength(1);
    expect(app.errors[0]).toMatchObject({
      method: 'GET',
      path: '/api/jobs/stats',
      err: expect.objectContaining({ message: expect.stringContaining('secret') }),
    });
  });

  it('recognises library errors by code, also when they come from another copy of the library', async () => {
    app = await startTestApp({ start: false });
    // What a second bundle of phaseq throws: same code and fields, another class.
    class ValidationError extends Error {
      readonly code = 'VALIDATION_ERROR';
      readonly issues = [{ path: 'payload.text', message: 'required' }];
    }
    class NotFoundError extends Error {
      readonly code = 'NOT_FOUND';
    }
    app.queue.addJobsWithOutcome = async () => {
      throw new ValidationError('Invalid payload');
    };
    app.queue.retryJob = async () => {
      throw new NotFoundError('No failed job with id 5');
    };
    const bad = await request(app.url).post('/api/jobs').send({ type: 'echo', payload: {} }).expect(400);
    expect(bad.body).toEqual({
      error: { code: 'VALIDATION_ERROR', message: 'Invalid payload', details: [{ path: 'payload.text', message: 'required' }] },
    });
    const missing = await request(app.url).post('/api/jobs/5/retry').expect(404);
    expect(missing.body).toEqual({ error: { code: 'NOT_FOUND', message: 'No failed job with id 5' } });
    // An error with some other code (a system error) is still a plain 500.
    app.queue.getStats = async () => {
      throw Object.assign(new Error('open /srv/x failed'), { code: 'ENOENT' });
    };
    const system = await request(app.url).get('/api/jobs/stats').expect(500);
    expect(system.body).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'Internal server error' } });
  });

  it('a storage failure is 503 without its message', async () => {
    app = await startTestApp({ start: false });
    app.queue.listJobs = async () => {
      throw new StorageError('Cannot open SQLite database "/srv/private/file.db"');
    };
    const res = await request(app.url).get('/api/jobs').expect(503);
    expect(res.body).toEqual({ error: { code: 'STORAGE_ERROR', message: 'Storage is unavailable' } });
  });
});
