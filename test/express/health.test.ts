import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { JobQueue, SQLiteJobQueueStorage } from '../../src/index.js';
import { createHealthRouter } from '../../src/express.js';
import { startTestApp, type TestApp } from './harness.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('GET /api/health', () => {
  it('is 200 ok with workers running, the database reachable and the queue depth', async () => {
    app = await startTestApp({ start: false });
    await app.queue.addJob({ type: 'echo', payload: { text: 'a' }, delayMs: 60_000 });
    await app.queue.start();
    const res = await request(app.url).get('/api/health').expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      database: { reachable: true },
      workers: { running: true, concurrency: 2, busy: 0 },
      queue: { pending: 0, delayed: 1, processing: 0, failed: 0 },
    });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('is 503 when the workers are stopped', async () => {
    app = await startTestApp({ start: false });
    const res = await request(app.url).get('/api/health').expect(503);
    expect(res.body).toMatchObject({ status: 'unavailable', database: { reachable: true }, workers: { running: false } });
  });

  it('is 503 with reachable: false when the database cannot be opened', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'phaseq-health-'));
    const queue = new JobQueue({
      storage: new SQLiteJobQueueStorage({ filename: path.join(dir, 'missing-folder', 'phaseq.db') }),
      logger: pino({ level: 'silent' }),
    });
    const errors: unknown[] = [];
    const server = express()
      .use('/api', createHealthRouter({ queue }, { requireWorkers: false, logger: { warn: () => {}, error: (e) => void errors.push(e) } }))
      .listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const res = await request(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
        .get('/api/health')
        .expect(503);
      expect(res.body).toEqual({
        status: 'unavailable',
        database: { reachable: false, error: 'STORAGE_ERROR' },
        workers: { running: false, concurrency: 3, busy: 0 },
        queue: null,
      });
      expect(res.text).not.toContain('missing-folder');
      expect(errors).toHaveLength(1);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with requireWorkers: false a producer-only process is healthy', async () => {
    app = await startTestApp({ start: false });
    const server = express()
      .use('/api', createHealthRouter({ queue: app.queue }, { requireWorkers: false }))
      .listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const res = await request(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
        .get('/api/health')
        .expect(200);
      expect(res.body).toMatchObject({ status: 'ok', workers: { running: false } });
    } finally {
      server.close();
    }
  });
});
