/**
 * Hostile REST bodies, property-based, against the Express routers on a real HTTP server
 * on 127.0.0.1 (SQLite queue and settings): every body gets a 201/200 whose effect reads
 * back unchanged, or a 4xx in the error shape with nothing stored. Never a 5xx.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { join } from 'node:path';
import express from 'express';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { z } from 'zod';
import { createJobsRouter, createPhaseConfigRouter } from '../../src/adapters/express/index.js';
import { HandlerRegistry, JobQueue, SQLiteJobQueueStorage } from '../../src/index.js';
import { PhaseConfigService } from '../../src/phases/PhaseConfigService.js';
import { SQLiteSettingsStore } from '../../src/backends/sqlite/settings.js';
import { makeTempDir } from '../support/tmp.js';

const demo = z.object({
  count: z.number().int().min(0).max(10).default(1),
  name: z.string().max(20).default('x'),
  on: z.boolean().default(false),
});

let queue: JobQueue;
let phases: PhaseConfigService<{ demo: typeof demo }>;
let server: Server;
let base = '';
let cleanup = (): void => {};

beforeAll(async () => {
  const tmp = makeTempDir();
  cleanup = tmp.cleanup;
  const registry = new HandlerRegistry();
  registry.register('any', async () => {}, { schema: z.unknown() });
  registry.register('typed', async () => {}, { schema: z.object({ to: z.string().min(1), n: z.number().int() }) });
  queue = new JobQueue({
    storage: new SQLiteJobQueueStorage({ filename: join(tmp.dir, 'jobs.db') }),
    registry,
    logger: pino({ level: 'silent' }),
  });
  phases = new PhaseConfigService({ store: new SQLiteSettingsStore({ filename: join(tmp.dir, 'jobs.db') }), phases: { demo } });
  const app = express();
  app.use('/api', createJobsRouter(queue), createPhaseConfigRouter(phases));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await queue.stop();
  await phases.close();
  cleanup();
});

async function stored(): Promise<number> {
  const s = await queue.getStats();
  return s.pending + s.delayed + s.processing + s.failed;
}

const jsonish = fc.jsonValue({ maxDepth: 3 });
const jobBody = fc.oneof(
  jsonish,
  fc.record(
    {
      type: fc.oneof(fc.constantFrom('any', 'typed', '', 'nope', '__proto__'), fc.string({ maxLength: 5 }), fc.integer()),
      payload: fc.oneof(
        jsonish,
        fc.record({ to: fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), n: fc.oneof(fc.integer(), fc.double()) }),
      ),
      priority: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.string({ maxLength: 2 })),
      delayMs: fc.oneof(fc.integer({ min: -5, max: 10 ** 6 }), fc.constant('soon')),
      dedupeKey: fc.oneof(fc.string({ maxLength: 8 }), fc.integer()),
      extra: fc.string(),
    },
    { requiredKeys: [] },
  ),
);

describe('REST under hostile bodies', () => {
  it('POST /api/jobs: 201 and the job reads back as sent, or a 4xx error body and nothing stored', async () => {
    await fc.assert(
      fc.asyncProperty(jobBody, async (body) => {
        const before = await stored();
        const res = await request(base).post('/api/jobs').set('Content-Type', 'application/json').send(JSON.stringify(body));
        if (res.status === 201) {
          const id = (res.body as { id: string }).id;
          const job = await queue.getJob(id);
          expect(job).not.toBeNull();
          const sent = (body as { payload?: unknown }).payload;
          if ((body as { type: string }).type === 'any') expect(JSON.stringify(job!.payload)).toBe(JSON.stringify(sent ?? null));
          await queue.cancelJob(id);
        } else {
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expect(res.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
          expect(await stored()).toBe(before);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('raw hostile bodies: bad JSON, wrong type, __proto__ keys, oversize: 4xx, nothing stored', async () => {
    const before = await stored();
    const cases: { type: string; body: string }[] = [
      { type: 'application/json', body: '{"type":"any","payload":' },
      { type: 'application/json', body: 'null' },
      { type: 'application/json', body: '[{"type":"any","payload":1}]' },
      { type: 'text/plain', body: '{"type":"any","payload":1}' },
      { type: 'application/json', body: '{"type":"any","payload":{"__proto__":{"polluted":true}}}' },
      { type: 'application/json', body: '{"__proto__":{"type":"any"},"payload":1}' },
      { type: 'application/json', body: `{"type":"any","payload":"${'x'.repeat(200_000)}"}` },
    ];
    for (const c of cases) {
      const res = await request(base).post('/api/jobs').set('Content-Type', c.type).send(c.body);
      expect(res.status, c.body.slice(0, 60)).toBeGreaterThanOrEqual(400);
      expect(res.status, c.body.slice(0, 60)).toBeLessThan(500);
    }
    expect(await stored()).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('PATCH /api/phase-config/demo: 200 with the new values, or a 400 and nothing changed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          jsonish,
          fc.record(
            {
              count: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.string({ maxLength: 3 }), fc.constant(null)),
              name: fc.oneof(fc.string({ maxLength: 25 }), fc.integer()),
              on: fc.oneof(fc.boolean(), fc.constantFrom('true', 'no', 1)),
              other: fc.integer(),
            },
            { requiredKeys: [] },
          ),
        ),
        async (body) => {
          const before = JSON.stringify(await phases.getAll());
          const res = await request(base)
            .patch('/api/phase-config/demo')
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(body));
          expect(res.status).toBeLessThan(500);
          if (res.status === 200) {
            expect(demo.safeParse(res.body).success).toBe(true);
            expect(res.body).toEqual(await phases.getConfig('demo'));
          } else {
            expect(res.status).toBeGreaterThanOrEqual(400);
            expect(JSON.stringify(await phases.getAll())).toBe(before);
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});
