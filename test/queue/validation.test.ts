import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JOB_PRIORITY, UnknownJobTypeError, ValidationError, RegistrationError } from '../../src/index.js';
import { BACKENDS, makeQueue } from './harness.js';

for (const backend of BACKENDS) {
  describe(`addJob validation (${backend.name})`, () => {
    let dispose: () => Promise<void> = async () => {};
    afterEach(() => dispose());

    function setup(maxPayloadBytes?: number) {
      const made = makeQueue(backend, maxPayloadBytes ? { maxPayloadBytes } : {});
      dispose = made.dispose;
      made.registry.register('email', async () => {}, {
        schema: z.object({ to: z.email(), subject: z.string().optional() }),
      });
      return made.queue;
    }

    async function expectNothingStored(queue: ReturnType<typeof setup>): Promise<void> {
      const stats = await queue.getStats();
      expect(stats.pending + stats.delayed + stats.processing + stats.failed).toBe(0);
    }

    it('rejects a payload that breaks its schema, naming the field', async () => {
      const queue = setup();
      const error = await queue.addJob({ type: 'email', payload: { to: 'not-an-email' } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]!.path).toBe('payload.to');
      expect((error as ValidationError).message).toMatch(/payload\.to/);
      await expectNothingStored(queue);
    });

    it('rejects an unknown type', async () => {
      const queue = setup();
      await expect(queue.addJob({ type: 'nope', payload: {} })).rejects.toBeInstanceOf(UnknownJobTypeError);
      await expectNothingStored(queue);
    });

    it.each([0, 11, 2.5, -1, Number.NaN])('rejects priority %s', async (priority) => {
      const queue = setup();
      const error = await queue.addJob({ type: 'email', payload: { to: 'a@b.co' }, priority }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]!.path).toBe('priority');
      await expectNothingStored(queue);
    });

    it('accepts every integer priority from 1 to 10', async () => {
      const queue = setup();
      for (let p = 1; p <= 10; p++) await queue.addJob({ type: 'email', payload: { to: 'a@b.co' }, priority: p });
      expect((await queue.getStats()).pending).toBe(10);
    });

    it('rejects payloads that are not JSON-serialisable', async () => {
      const made = makeQueue(backend);
      dispose = made.dispose;
      made.registry.register('any', async () => {}, { schema: z.any() });
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      for (const payload of [{ f: () => 1 }, { n: 10n }, { d: new Date() }, cyclic, { x: Number.POSITIVE_INFINITY }, new Map()]) {
        const error = await made.queue.addJob({ type: 'any', payload }).catch((e: unknown) => e);
        expect(error, JSON.stringify(Object.keys(payload))).toBeInstanceOf(ValidationError);
      }
      expect((await made.queue.getStats()).pending).toBe(0);
    });

    it('rejects a payload above the size limit', async () => {
      const queue = setup(1024);
      const error = await queue.addJob({ type: 'email', payload: { to: 'a@b.co', subject: 'x'.repeat(2000) } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(/limit is 1024/);
      await expectNothingStored(queue);
    });

    it('rejects unknown options, delayMs with runAt, and bad numbers', async () => {
      const queue = setup();
      const base = { type: 'email', payload: { to: 'a@b.co' } };
      for (const bad of [
        { ...base, priorty: 3 },
        { ...base, delayMs: 10, runAt: Date.now() },
        { ...base, delayMs: -5 },
        { ...base, maxRetries: -1 },
        { ...base, timeoutMs: 0 },
        { ...base, dedupeKey: '' },
        { ...base, runAt: new Date('invalid') },
      ]) {
        // Unknown keys are what the type checker would catch; at run time they must fail too.
        const error = await queue.addJob(bad as typeof base).catch((e: unknown) => e);
        expect(error, JSON.stringify(bad)).toBeInstanceOf(ValidationError);
      }
      await expectNothingStored(queue);
    });

    it('addJobs stores all or nothing', async () => {
      const queue = setup();
      const error = await queue
        .addJobs([
          { type: 'email', payload: { to: 'a@b.co' } },
          { type: 'email', payload: { to: 'bad' } },
        ])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]!.path).toBe('1.payload.to');
      await expectNothingStored(queue);
      const ids = await queue.addJobs([
        { type: 'email', payload: { to: 'a@b.co' }, priority: JOB_PRIORITY.LOW },
        { type: 'email', payload: { to: 'c@d.co' } },
      ]);
      expect(ids).toHaveLength(2);
    });

    it('stores the parsed payload (schema defaults applied, unknown keys stripped)', async () => {
      const made = makeQueue(backend);
      dispose = made.dispose;
      made.registry.register('defaults', async () => {}, { schema: z.object({ n: z.number().default(7) }) });
      const id = await made.queue.addJob({ type: 'defaults', payload: { extra: true } });
      expect((await made.queue.getJob(id))!.payload).toEqual({ n: 7 });
    });

    it('registering a type twice or without a schema is an error', () => {
      const queue = setup();
      expect(() => queue.registry.register('email', async () => {}, { schema: z.object({}) })).toThrow(RegistrationError);
      // @ts-expect-error -- the schema is required
      expect(() => queue.registry.register('x', async () => {}, {})).toThrow(/zod schema/);
    });
  });
}
