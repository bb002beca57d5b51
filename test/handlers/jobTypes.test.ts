/**
 * The job types as data: limits read from the registrations, pause and workers from the
 * stats, types only known from stored jobs, and rate limits passed on as registered.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HandlerRegistry, describeJobTypes, type QueueStats, type Registration } from '../../src/index.js';

const schema = z.object({ key: z.string() });
const noop = (): void => {};

function stats(overrides: Partial<QueueStats> = {}): QueueStats {
  return {
    pending: 0,
    delayed: 0,
    processing: 0,
    failed: 0,
    paused: false,
    pausedTypes: [],
    workers: 1,
    withoutWorker: 0,
    byType: {},
    ...overrides,
  };
}

const counts = { pending: 1, delayed: 0, processing: 0, failed: 0 };

describe('describeJobTypes', () => {
  it('gives each registration its limits, with pause and workers from the stats', () => {
    const registry = new HandlerRegistry()
      .register('store-file', noop, { schema, concurrency: 4 })
      .register('notify', noop, { schema, group: { by: (p) => p.key } })
      .register('thumbnail', noop, { schema, concurrency: 2, group: { by: (p) => p.key, concurrency: 3 } });
    const types = describeJobTypes(
      registry,
      stats({ pausedTypes: ['notify'], byType: { 'store-file': { ...counts, paused: false, workers: 2 } } }),
    );
    expect(types).toEqual([
      { type: 'notify', registered: true, concurrency: null, group: { concurrency: 1 }, paused: true, typePaused: true, workers: null },
      { type: 'store-file', registered: true, concurrency: 4, group: null, paused: false, typePaused: false, workers: 2 },
      { type: 'thumbnail', registered: true, concurrency: 2, group: { concurrency: 3 }, paused: false, typePaused: false, workers: null },
    ]);
    // Plain data: what an API sends is what the function returned.
    expect(JSON.parse(JSON.stringify(types))).toEqual(types);
  });

  it('lists types only known from stored jobs, with no limits, and holds every type when the queue is paused', () => {
    const registry = new HandlerRegistry().register('store-file', noop, { schema });
    const types = describeJobTypes(
      registry,
      stats({ paused: true, withoutWorker: 1, byType: { transcode: { ...counts, paused: true, workers: 0 } } }),
    );
    expect(types).toEqual([
      { type: 'store-file', registered: true, concurrency: null, group: null, paused: true, typePaused: false, workers: null },
      { type: 'transcode', registered: false, concurrency: null, group: null, paused: true, typePaused: false, workers: 0 },
    ]);
  });

  it('passes on a rate limit of the type and of its group as registered, without functions', () => {
    const base = new HandlerRegistry().register('fetch', noop, { schema, group: { by: (p) => p.key } }).get('fetch')!;
    // A registration carrying rate limits, as registrations with `rateLimit` will.
    const registration = {
      ...base,
      rateLimit: { max: 40, durationMs: 1000 },
      group: { ...base.group!, rateLimit: { max: 1, durationMs: 60_000, key: (x: unknown) => x } },
    } as Registration;
    const registry = { types: () => ['fetch'], get: (type: string) => (type === 'fetch' ? registration : undefined) };
    expect(describeJobTypes(registry, stats())).toEqual([
      {
        type: 'fetch',
        registered: true,
        concurrency: null,
        group: { concurrency: 1, rateLimit: { max: 1, durationMs: 60_000 } },
        rateLimit: { max: 40, durationMs: 1000 },
        paused: false,
        typePaused: false,
        workers: null,
      },
    ]);
  });
});
