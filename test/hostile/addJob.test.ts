/**
 * Hostile input to addJob, property-based: whatever a caller passes, it is either
 * rejected with a ValidationError (or UnknownJobTypeError) naming the field, with nothing
 * stored, or stored and read back unchanged. Prototype-pollution keys are data, never
 * prototypes.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { z } from 'zod';
import {
  MAX_JOB_DELAY_MS,
  HandlerRegistry,
  JobQueue,
  SQLiteJobQueueStorage,
  UnknownJobTypeError,
  ValidationError,
} from '../../src/index.js';
import { makeTempDir } from '../support/tmp.js';

const MAX_PAYLOAD = 4_096;
const DANGEROUS_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__'];

let queue: JobQueue;
let cleanup = (): void => {};

beforeAll(async () => {
  const tmp = makeTempDir();
  cleanup = tmp.cleanup;
  const registry = new HandlerRegistry();
  // Any JSON at all, so that the queue's own checks (not a schema) decide.
  registry.register('any', async () => {}, { schema: z.unknown() });
  registry.register('typed', async () => {}, {
    schema: z.object({ name: z.string().max(100), count: z.number().int().min(0), tags: z.array(z.string()).max(5) }),
  });
  registry.register('dict', async () => {}, { schema: z.record(z.string(), z.number()) });
  queue = new JobQueue({
    storage: new SQLiteJobQueueStorage({ filename: join(tmp.dir, 'jobs.db') }),
    registry,
    maxPayloadBytes: MAX_PAYLOAD,
    logger: pino({ level: 'silent' }),
  });
});
afterAll(async () => {
  await queue.stop();
  cleanup();
});

async function stored(): Promise<number> {
  const s = await queue.getStats();
  return s.pending + s.delayed + s.processing + s.failed;
}

/** Adds `input`; returns the job read back, or the error. Asserts nothing stored on error. */
async function attempt(input: unknown): Promise<{ ok: true; payload: unknown; id: string } | { ok: false; error: unknown }> {
  const before = await stored();
  try {
    const id = await queue.addJob(input as Parameters<JobQueue['addJob']>[0]);
    const job = await queue.getJob(id);
    expect(job).not.toBeNull();
    await queue.cancelJob(id);
    return { ok: true, payload: job!.payload, id };
  } catch (error) {
    expect(await stored()).toBe(before);
    return { ok: false, error };
  }
}

/** Whether `value` holds an own "__proto__" key at any depth. */
function hasProtoKey(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (!Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, '__proto__')) return true;
  return Object.values(value).some(hasProtoKey);
}

function expectClearRejection(error: unknown): void {
  expect(error instanceof ValidationError || error instanceof UnknownJobTypeError).toBe(true);
  expect((error as Error).message.length).toBeGreaterThan(0);
  if (error instanceof ValidationError) expect(error.issues.length).toBeGreaterThan(0);
}

/** JSON values whose object keys include the dangerous ones, built as own properties. */
const hostileJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 20, unit: 'binary' }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc
      .array(fc.tuple(fc.oneof(fc.constantFrom(...DANGEROUS_KEYS), fc.string({ maxLength: 8 })), tie('value')), { maxLength: 4 })
      .map((entries) => JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`) as unknown),
  ),
})).value;

describe('addJob under hostile input', () => {
  it('any JSON payload round-trips unchanged, except "__proto__" keys, which are rejected; nothing is polluted', async () => {
    await fc.assert(
      fc.asyncProperty(hostileJson, async (payload) => {
        const r = await attempt({ type: 'any', payload });
        const size = Buffer.byteLength(JSON.stringify(payload), 'utf8');
        if (hasProtoKey(payload)) {
          expect(r.ok).toBe(false);
          if (!r.ok) {
            expectClearRejection(r.error);
            expect((r.error as ValidationError).issues[0]!.path).toMatch(/^payload(\..*)?\.__proto__$/);
          }
          return;
        }
        if (size > MAX_PAYLOAD) {
          expect(r.ok).toBe(false);
          return;
        }
        expect(r.ok).toBe(true);
        if (r.ok) expect(JSON.stringify(r.payload)).toBe(JSON.stringify(payload));
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.prototype).not.toHaveProperty('polluted');
      }),
      { numRuns: 150 },
    );
  });

  it('a payload whose __proto__ key tries to pollute the prototype is rejected; constructor keys are data', async () => {
    const proto = await attempt({ type: 'any', payload: JSON.parse('{"a": [{"__proto__": {"polluted": "yes"}}]}') });
    expect(proto.ok).toBe(false);
    if (!proto.ok)
      expect((proto.error as ValidationError).issues).toEqual([
        { path: 'payload.a.0.__proto__', message: '"__proto__" is not allowed as a key' },
      ]);
    const payload = JSON.parse('{"constructor": {"prototype": {"polluted": "yes"}}, "toString": 1}') as unknown;
    const r = await attempt({ type: 'any', payload });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(JSON.stringify(r.payload)).toBe(JSON.stringify(payload));
      expect(Object.getPrototypeOf(r.payload)).toBe(Object.prototype);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  // z.record assigns keys one by one: a "__proto__" key would be dropped or become the
  // object's prototype. The queue rejects it before the schema runs.
  it('a record schema never drops a dangerous key silently', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.oneof(fc.constantFrom(...DANGEROUS_KEYS), fc.string({ maxLength: 6 })), fc.integer(), { maxKeys: 4 }),
        fc.constantFrom(...DANGEROUS_KEYS),
        fc.integer(),
        async (dict, key, value) => {
          const payload = JSON.parse(
            JSON.stringify({ ...dict }).replace(/^\{/, `{${JSON.stringify(key)}:${value}${Object.keys(dict).length ? ',' : ''}`),
          ) as unknown;
          const r = await attempt({ type: 'dict', payload });
          expect(r.ok).toBe(!hasProtoKey(payload));
          if (r.ok) expect(JSON.stringify(r.payload)).toBe(JSON.stringify(payload));
          else expectClearRejection(r.error);
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        },
      ),
      { numRuns: 100 },
    );
  });

  it('priorities, delays, dedupe keys, timeouts: valid ones are stored as given, others rejected', async () => {
    const anyValue = fc.oneof(
      fc.integer({ min: -5, max: 15 }),
      fc.double(),
      fc.string({ maxLength: 3 }),
      fc.constantFrom(null, true, [], {}, Number.NaN, Number.POSITIVE_INFINITY, -0, 2 ** 53),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            priority: anyValue,
            delayMs: fc.oneof(anyValue, fc.integer({ min: 0, max: 10 ** 9 })),
            dedupeKey: fc.oneof(fc.string({ maxLength: 600 }), anyValue),
            timeoutMs: fc.oneof(anyValue, fc.integer({ min: 1, max: 2 ** 31 })),
            maxRetries: anyValue,
          },
          { requiredKeys: [] },
        ),
        async (options) => {
          const r = await attempt({ type: 'typed', payload: { name: 'n', count: 1, tags: [] }, ...options });
          const o = options as Record<string, unknown>;
          const valid =
            (o.priority === undefined || (Number.isInteger(o.priority) && (o.priority as number) >= 1 && (o.priority as number) <= 10)) &&
            (o.delayMs === undefined ||
              (typeof o.delayMs === 'number' && Number.isFinite(o.delayMs) && o.delayMs >= 0 && o.delayMs <= MAX_JOB_DELAY_MS)) &&
            (o.dedupeKey === undefined || (typeof o.dedupeKey === 'string' && o.dedupeKey.length >= 1 && o.dedupeKey.length <= 512)) &&
            (o.timeoutMs === undefined ||
              (Number.isInteger(o.timeoutMs) && (o.timeoutMs as number) >= 1 && (o.timeoutMs as number) <= 2 ** 31 - 1)) &&
            (o.maxRetries === undefined ||
              (Number.isInteger(o.maxRetries) && (o.maxRetries as number) >= 0 && (o.maxRetries as number) <= 1000));
          expect(r.ok).toBe(valid);
          if (!r.ok) expectClearRejection(r.error);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('typed payloads: schema violations are named, valid ones round-trip', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            name: fc.oneof(fc.string({ maxLength: 120 }), fc.integer(), fc.constant(null)),
            count: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double(), fc.string({ maxLength: 2 })),
            tags: fc.oneof(fc.array(fc.string({ maxLength: 5 }), { maxLength: 7 }), fc.string({ maxLength: 3 })),
            extra: fc.string({ maxLength: 3 }),
          },
          { requiredKeys: ['name', 'count', 'tags'] },
        ),
        async (payload) => {
          const r = await attempt({ type: 'typed', payload });
          const p = payload as Record<string, unknown>;
          const valid =
            typeof p.name === 'string' &&
            p.name.length <= 100 &&
            Number.isSafeInteger(p.count) &&
            (p.count as number) >= 0 &&
            Array.isArray(p.tags) &&
            p.tags.length <= 5;
          expect(r.ok).toBe(valid);
          if (r.ok) {
            // Unknown keys are stripped by the schema; the rest is stored as given. Payloads
            // are stored as JSON, as settings are: -0 reads back as 0, nothing else may change.
            const { extra: _extra, ...rest } = p;
            expect(r.payload).toEqual(JSON.parse(JSON.stringify(rest)));
          } else {
            expectClearRejection(r.error);
            expect((r.error as ValidationError).issues.some((i) => /^payload\.(name|count|tags)/.test(i.path))).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('huge strings: accepted up to maxPayloadBytes (counted in UTF-8 JSON), rejected beyond', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 * MAX_PAYLOAD }),
        fc.constantFrom('a', 'é', '😀', '"', '\\', '\u0000', '\u2028'),
        async (length, unit) => {
          const payload = { s: unit.repeat(length) };
          const r = await attempt({ type: 'any', payload });
          const size = Buffer.byteLength(JSON.stringify(payload), 'utf8');
          expect(r.ok).toBe(size <= MAX_PAYLOAD);
          if (r.ok) expect(r.payload).toEqual(payload);
          else {
            expect(r.error).toBeInstanceOf(ValidationError);
            expect((r.error as ValidationError).issues).toEqual([{ path: 'payload', message: `larger than ${MAX_PAYLOAD} bytes` }]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('the default payload limit is 1 MiB of JSON, checked before anything is stored', async () => {
    const registry = new HandlerRegistry();
    registry.register('any', async () => {}, { schema: z.unknown() });
    const tmp = makeTempDir();
    const defaults = new JobQueue({
      storage: new SQLiteJobQueueStorage({ filename: join(tmp.dir, 'defaults.db') }),
      registry,
      logger: pino({ level: 'silent' }),
    });
    try {
      // {"s":"..."} is 8 bytes of JSON around the string.
      const fits = { s: 'x'.repeat(1_048_576 - 8) };
      const id = await defaults.addJob({ type: 'any', payload: fits });
      expect((await defaults.getJob(id))?.payload).toEqual(fits);
      const error = await defaults.addJob({ type: 'any', payload: { s: 'x'.repeat(1_048_576 - 7) } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([{ path: 'payload', message: 'larger than 1048576 bytes' }]);
      expect((await defaults.getStats()).pending).toBe(1);
    } finally {
      await defaults.stop();
      tmp.cleanup();
    }
  });

  it('not-JSON values, unknown types and stray options are rejected and nothing is stored', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: unknown[] = [
      null,
      undefined,
      'a string',
      42,
      [],
      { payload: {} },
      { type: '', payload: {} },
      { type: 'nope', payload: {} },
      { type: 'any', payload: {}, extra: 1 },
      { type: 'any', payload: { n: 10n } },
      { type: 'any', payload: { f: () => 1 } },
      { type: 'any', payload: { d: new Date(0) } },
      { type: 'any', payload: { m: new Map() } },
      { type: 'any', payload: { n: Number.NaN } },
      { type: 'any', payload: cyclic },
      { type: 'any', payload: {}, delayMs: 1, runAt: Date.now() },
      { type: 'any', payload: {}, runAt: new Date(Number.NaN) },
      JSON.parse('{"type":"any","payload":{},"__proto__":{"priority":1}}'),
      JSON.parse('{"type":"any","payload":{},"constructor":{"prototype":{"polluted":1}}}'),
    ];
    for (const input of bad) {
      const r = await attempt(input);
      expect(r.ok, `accepted ${String(input)}`).toBe(false);
      if (!r.ok) expectClearRejection(r.error);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a dedupe key held by a pending job returns that job and stores nothing new', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 512 }), async (key) => {
        const before = await stored();
        const a = await queue.addJob({ type: 'any', payload: 1, dedupeKey: key });
        const b = await queue.addJob({ type: 'any', payload: 2, dedupeKey: key });
        expect(b).toBe(a);
        expect(await stored()).toBe(before + 1);
        expect((await queue.getJob(a))?.payload).toBe(1);
        await queue.cancelJob(a);
      }),
      { numRuns: 50 },
    );
  });
});
