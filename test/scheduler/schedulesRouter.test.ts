/**
 * `GET /api/schedules` and `POST /api/schedules/:name/run` over real HTTP on 127.0.0.1,
 * backed by a scheduler on a real SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSchedulesRouter } from '../../src/adapters/express/schedules.js';
import { HandlerRegistry } from '../../src/handlers/HandlerRegistry.js';
import { JobQueue } from '../../src/JobQueue.js';
import { createScheduler } from '../../src/scheduler/attach.js';
import { SQLiteJobQueueStorage } from '../../src/backends/sqlite/storage.js';

let dir = '';
let queue: JobQueue;
let server: Server;
let base = '';

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'phaseq-sched-api-'));
  const registry = new HandlerRegistry();
  registry.register('report', async () => undefined, { schema: z.object({ kind: z.string() }) });
  queue = new JobQueue({
    storage: new SQLiteJobQueueStorage({ filename: path.join(dir, 'phaseq.db') }),
    registry,
    logger: pino({ level: 'silent' }),
  });
  const scheduler = createScheduler(queue);
  await scheduler.schedule('daily-report', { cron: '0 3 * * *' }, { type: 'report', payload: { kind: 'daily' } }, { tz: 'UTC' });
  await scheduler.schedule('heartbeat', { everyMs: 60_000 }, { type: 'report', payload: { kind: 'beat' } });
  const app = express();
  app.use('/api', createSchedulesRouter(scheduler, { apiKey: 'an-api-key-123' }));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await queue.stop();
  rmSync(dir, { recursive: true, force: true });
});

const auth = { authorization: 'Bearer an-api-key-123' };

describe('schedules routes', () => {
  it('GET /schedules lists every schedule with its next run time', async () => {
    const res = await fetch(`${base}/schedules`, { headers: auth });
    expect(res.status).toBe(200);
    const { schedules } = (await res.json()) as {
      schedules: { name: string; nextRunAt: number; cron: string | null; everyMs: number | null; lastRunAt: number | null }[];
    };
    expect(schedules.map((s) => s.name)).toEqual(['daily-report', 'heartbeat']);
    expect(schedules[0]).toMatchObject({ cron: '0 3 * * *', everyMs: null, lastRunAt: null });
    expect(new Date(schedules[0]!.nextRunAt).getUTCHours()).toBe(3);
    expect(schedules[1]!.nextRunAt % 60_000).toBe(0);
  });

  it('POST /schedules/:name/run enqueues the job now; unknown names are 404; the API key applies', async () => {
    const res = await fetch(`${base}/schedules/daily-report/run`, { method: 'POST', headers: auth });
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    expect(await queue.getJob(jobId)).toMatchObject({ type: 'report', payload: { kind: 'daily' }, manual: true });

    const missing = await fetch(`${base}/schedules/nope/run`, { method: 'POST', headers: auth });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });

    expect((await fetch(`${base}/schedules`)).status).toBe(401);
    expect((await fetch(`${base}/schedules/heartbeat/run`, { method: 'POST' })).status).toBe(401);
    expect(await queue.listJobs()).toHaveLength(1);
  });
});
