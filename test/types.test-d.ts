/**
 * Type tests: payload types follow job types at compile time. Each `@ts-expect-error`
 * fails the type check if the misuse below it ever compiles.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { Registry, type OpenMetricsContentType } from 'prom-client';
import { definePlugin, HandlerRegistry, JobQueue, MemoryJobQueueStorage, type Job } from '../src/index.js';
import { createMetricsRouter, type MetricsRegistry } from '../src/express.js';

declare global {
  namespace Phaseq {
    interface JobPayloadMap {
      'typed-email': { to: string; subject?: string };
    }
  }
}

const queue = new JobQueue({ storage: new MemoryJobQueueStorage() });

describe('payload typing', () => {
  it("addJob checks a declared type's payload", () => {
    void queue.addJob({ type: 'typed-email', payload: { to: 'a@b.c' } });
    // @ts-expect-error -- `to` must be a string
    void queue.addJob({ type: 'typed-email', payload: { to: 42 } });
    // @ts-expect-error -- `to` is required
    void queue.addJob({ type: 'typed-email', payload: { subject: 'hi' } });
    // @ts-expect-error -- unknown option
    void queue.addJob({ type: 'typed-email', payload: { to: 'x' }, priorty: 3 });
    expectTypeOf(queue.addJob({ type: 'typed-email', payload: { to: 'x' } })).resolves.toEqualTypeOf<string>();
  });

  it('a handler of a declared type sees its payload type', () => {
    const registry = new HandlerRegistry();
    registry.register(
      'typed-email',
      async (job) => {
        expectTypeOf(job.payload).toEqualTypeOf<{ to: string; subject?: string }>();
        expectTypeOf(job).toMatchTypeOf<Job<'typed-email'>>();
      },
      { schema: z.object({ to: z.string(), subject: z.string().optional() }) },
    );
    registry.register('typed-email', async () => {}, {
      // @ts-expect-error -- the schema must produce the declared payload type
      schema: z.object({ to: z.number() }),
    });
  });

  it('an undeclared type takes its payload type from the schema', () => {
    const registry = new HandlerRegistry();
    registry.register(
      'resize-image',
      async (job) => {
        expectTypeOf(job.payload).toEqualTypeOf<{ url: string; width: number }>();
      },
      { schema: z.object({ url: z.string(), width: z.number() }) },
    );
  });

  it('plugins type each handler from its own schema', () => {
    definePlugin({
      name: 'p',
      jobs: {
        one: {
          schema: z.object({ a: z.string() }),
          handler: async (job) => {
            expectTypeOf(job.payload).toEqualTypeOf<{ a: string }>();
            // @ts-expect-error -- `b` belongs to the other job type
            void job.payload.b;
          },
        },
        two: {
          schema: z.object({ b: z.number() }),
          handler: async (job) => {
            expectTypeOf(job.payload.b).toEqualTypeOf<number>();
            expectTypeOf(job.type).toEqualTypeOf<'two'>();
          },
        },
      },
    });
  });

  it('group.by receives the payload the schema produces and must return a string', () => {
    const registry = new HandlerRegistry();
    registry.register('notify', async () => {}, {
      schema: z.object({ player: z.string(), n: z.number() }),
      concurrency: 2,
      group: {
        by: (payload) => {
          expectTypeOf(payload).toEqualTypeOf<{ player: string; n: number }>();
          return payload.player;
        },
        concurrency: 1,
      },
    });
    registry.register('typed-email', async () => {}, {
      schema: z.object({ to: z.string(), subject: z.string().optional() }),
      // @ts-expect-error -- a declared payload has no `player`
      group: { by: (payload) => payload.player },
    });
    registry.register('keyed', async () => {}, {
      schema: z.object({ n: z.number() }),
      // @ts-expect-error -- the key must be a string
      group: { by: (payload) => payload.n },
    });
    registry.register('limited', async () => {}, {
      schema: z.object({ n: z.number() }),
      // @ts-expect-error -- a limit is a number
      concurrency: '2',
    });
    registry.register('rated', async () => {}, {
      schema: z.object({ n: z.number() }),
      rateLimit: { max: 10, durationMs: 1000 },
      group: { by: () => 'k', rateLimit: { max: 1, durationMs: 60_000 } },
    });
    registry.register('rated-badly', async () => {}, {
      schema: z.object({ n: z.number() }),
      // @ts-expect-error -- a rate limit needs its window
      rateLimit: { max: 10 },
    });
    definePlugin({
      name: 'grouped',
      jobs: {
        sync: {
          schema: z.object({ show: z.string() }),
          handler: async (job) => expectTypeOf(job.groupKey).toEqualTypeOf<string | null>(),
          concurrency: 3,
          group: { by: (payload) => payload.show },
        },
        other: {
          schema: z.object({ b: z.number() }),
          handler: async () => {},
          // @ts-expect-error -- `show` belongs to the other job type
          group: { by: (payload) => payload.show },
        },
      },
    });
  });

  it('pause controls take an optional job type', () => {
    expectTypeOf(queue.pause()).resolves.toEqualTypeOf<boolean>();
    expectTypeOf(queue.resume('typed-email')).resolves.toEqualTypeOf<boolean>();
    expectTypeOf(queue.isPaused('typed-email')).resolves.toEqualTypeOf<boolean>();
    queue.on('queue:paused', ({ type }) => expectTypeOf(type).toEqualTypeOf<string | null>());
  });

  it('Job<T> carries the declared payload', () => {
    expectTypeOf<Job<'typed-email'>['payload']>().toEqualTypeOf<{ to: string; subject?: string }>();
    expectTypeOf<Job<'undeclared'>['payload']>().toEqualTypeOf<unknown>();
  });
});

describe('metrics options', () => {
  it('take any prom-client registry, in either exposition format, and refuse other objects', () => {
    expectTypeOf(new Registry()).toExtend<MetricsRegistry>();
    expectTypeOf<Registry<OpenMetricsContentType>>().toExtend<MetricsRegistry>();
    createMetricsRouter(queue, { registry: new Registry<OpenMetricsContentType>(), prefix: 'x_' });
    // @ts-expect-error -- not a registry
    createMetricsRouter(queue, { registry: { metrics: () => 'text' } });
    // @ts-expect-error -- history is a QueueHistory or false
    createMetricsRouter(queue, { history: true });
  });
});
