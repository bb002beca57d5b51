/**
 * Hostile values for PhaseConfigService.set, property-based, on a real SQLite settings
 * store: every value is either rejected with a ValidationError naming the setting, with
 * nothing changed, or stored so that it reads back valid (and, for a non-string value,
 * exactly as given). Hostile keys never reach the store or a prototype.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../../src/errors.js';
import { PhaseConfigService } from '../../src/phases/PhaseConfigService.js';
import { SQLiteSettingsStore } from '../../src/backends/sqlite/settings.js';
import { makeTempDir } from '../support/tmp.js';

const demo = z.object({
  count: z.number().int().min(0).max(10).default(1),
  ratio: z.number().min(0).max(1).default(0.5),
  name: z.string().max(20).default('x'),
  on: z.boolean().default(false),
  mode: z.enum(['fast', 'slow']).default('fast'),
  tags: z.array(z.string().min(1)).max(3).default([]),
});
const FIELDS = Object.keys(demo.shape) as (keyof typeof demo.shape)[];

let service: PhaseConfigService<{ demo: typeof demo }>;
let cleanup = (): void => {};
beforeAll(() => {
  const tmp = makeTempDir();
  cleanup = tmp.cleanup;
  service = new PhaseConfigService({ store: new SQLiteSettingsStore({ filename: join(tmp.dir, 'settings.db') }), phases: { demo } });
});
afterAll(async () => {
  await service.close();
  cleanup();
});

const hostileValue = fc.oneof(
  fc.integer({ min: -20, max: 20 }),
  fc.double(),
  fc.boolean(),
  fc.constantFrom(null, [], {}, Number.NaN, Number.POSITIVE_INFINITY, -0, 2 ** 53, 'fast', 'slow', 'FAST'),
  fc.string({ maxLength: 30 }),
  fc.constantFrom(' 4 ', '4', '1e1', '0x5', '', 'true', 'False', ' TRUE', '["a","b"]', '["a"', '[]', '[1]', '{"__proto__":1}'),
  fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxLength: 5 }),
  fc.constant(JSON.parse('{"__proto__":{"polluted":true}}') as unknown),
);

/** What a string is expected to read back as, when it is accepted. */
function coerced(field: string, value: string): unknown {
  const text = value.trim();
  switch (field) {
    case 'count':
    case 'ratio':
      return Number(text);
    case 'on':
      return text.toLowerCase() === 'true';
    case 'tags':
      return text.startsWith('[') ? (JSON.parse(text) as unknown) : value;
    default:
      return value;
  }
}

describe('PhaseConfigService.set under hostile values', () => {
  it('rejects with a named ValidationError and changes nothing, or stores a valid value', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...FIELDS), hostileValue, fc.boolean(), async (field, value, prefixed) => {
        const before = JSON.stringify(await service.getAll());
        const key = `${prefixed ? 'phase.' : ''}demo.${field}`;
        let error: unknown = null;
        try {
          await service.set(key, value);
        } catch (e) {
          error = e;
        }
        const fieldSchema = demo.shape[field];
        if (error) {
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).issues.some((i) => i.path.startsWith(`demo.${field}`))).toBe(true);
          expect(JSON.stringify(await service.getAll())).toBe(before);
          // A non-string the schema accepts must not be refused.
          if (typeof value !== 'string') expect(fieldSchema.safeParse(value).success).toBe(false);
          return;
        }
        const stored = (await service.getConfig('demo'))[field];
        expect(fieldSchema.safeParse(stored).success).toBe(true);
        if (typeof value === 'string') expect(stored).toEqual(coerced(field, value));
        // Settings are stored as JSON: -0 reads back as 0, nothing else may change.
        else expect(JSON.stringify(stored)).toBe(JSON.stringify(value));
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('hostile keys are rejected with a ValidationError, store nothing and pollute nothing', async () => {
    const before = JSON.stringify(await service.getAll());
    const keys = [
      '',
      '__proto__',
      '__proto__.polluted',
      'demo.__proto__',
      'phase.__proto__.polluted',
      'constructor.prototype',
      'demo.constructor',
      'demo.toString',
      'demo.count.extra',
      'demo.',
      '.count',
      'workflow.enabled',
      'demo.count\u0000',
      'x'.repeat(10_000),
    ];
    for (const key of keys) {
      await expect(service.set(key, 1), key).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(service.set('demo.count', undefined)).rejects.toBeInstanceOf(ValidationError);
    expect(JSON.stringify(await service.getAll())).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(await service.getAll())).toEqual(['demo']);
  });
});
