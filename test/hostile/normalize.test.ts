/**
 * The quick checks of job input, property-based against the exact ones: whatever the
 * input, a quick check never accepts what the exact check rejects, and what the quick
 * options reader returns is exactly what the options schema returns. Plain inputs do
 * take the quick paths (otherwise they would be pointless).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findNonJson, findProtoKey, hasNoProtoKeyQuick, isJsonQuick, parseOptions, quickOptions } from '../../src/queue/normalize.js';

const OPTION_KEYS = ['type', 'payload', 'priority', 'maxRetries', 'delayMs', 'runAt', 'dedupeKey', 'timeoutMs', 'manual'];

/** Values near every bound the options have, and values of every other kind. */
const optionValue = fc.oneof(
  fc.integer({ min: -3, max: 1_003 }),
  fc.constantFrom(0, -0, 1, 10, 11, 1000, 1001, 2 ** 31 - 1, 2 ** 31, 2 ** 53, -(2 ** 53), 0.5, 1e-9),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MAX_VALUE),
  fc.double(),
  fc.string({ maxLength: 3 }),
  fc.constantFrom('', 'x'.repeat(512), 'x'.repeat(513)),
  fc.boolean(),
  fc.constantFrom(null, undefined, [], {}, new Date(0), new Date(Number.NaN), 1n),
  fc.date(),
  fc.anything(),
);

/** Valid options: each optional field absent or anywhere in its range. */
const validOptions = fc.record(
  {
    type: fc.string({ minLength: 1, maxLength: 5 }),
    payload: fc.jsonValue(),
    priority: fc.integer({ min: 1, max: 10 }),
    maxRetries: fc.integer({ min: 0, max: 1000 }),
    delayMs: fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
    runAt: fc.oneof(fc.integer(), fc.date({ noInvalidDate: true })),
    dedupeKey: fc.string({ minLength: 1, maxLength: 512 }),
    timeoutMs: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    manual: fc.boolean(),
  },
  { requiredKeys: ['type', 'payload'] },
);

/** Per option: each bound, just inside and just outside, and near misses of other types. */
const edges: Record<string, unknown[]> = {
  type: ['', 't', 1, null, undefined],
  priority: [0, 1, 10, 11, 0.5, -0, Number.NaN, Number.POSITIVE_INFINITY, '1', null, undefined],
  maxRetries: [-1, -0, 0, 1000, 1001, 0.5, 2 ** 53, Number.NaN, '1', null, undefined],
  delayMs: [-1, -1e-9, -0, 0, 1e-9, Number.MAX_VALUE, Number.POSITIVE_INFINITY, Number.NaN, '1', null, undefined],
  runAt: [new Date(0), new Date(Number.NaN), -1, 0.5, Number.NaN, Number.NEGATIVE_INFINITY, '1', null, undefined],
  dedupeKey: ['', 'k', 'x'.repeat(512), 'x'.repeat(513), 1, null, undefined],
  timeoutMs: [-0, 0, 1, 2 ** 31 - 1, 2 ** 31, 0.5, Number.NaN, Number.POSITIVE_INFINITY, '1', null, undefined],
  manual: [true, false, 0, 1, 'true', null, undefined],
};

/** Valid options with one field set to one of its boundary values. */
const nearlyValid = fc.oneof(
  ...Object.entries(edges).map(([key, values]) =>
    fc.tuple(validOptions, fc.constantFrom(...values)).map(([options, value]) => ({ ...options, [key]: value })),
  ),
);

const optionsInput = fc.oneof(
  validOptions,
  nearlyValid,
  nearlyValid,
  fc.dictionary(fc.constantFrom(...OPTION_KEYS), optionValue, { maxKeys: 9 }),
  fc.dictionary(fc.oneof(fc.constantFrom(...OPTION_KEYS), fc.constantFrom('__proto__', 'delay', 'Type', 'constructor')), optionValue, {
    maxKeys: 9,
  }),
  fc.record({ type: fc.constantFrom('t', ''), payload: fc.jsonValue() }, { requiredKeys: ['type'] }),
  fc.anything(),
);

/** Anything, including what JSON cannot hold: cycles, class instances, holes, undefined. */
const anyValue = fc.oneof(
  fc.jsonValue(),
  fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
    withUnicodeString: true,
  }),
  fc.jsonValue().map((v) => {
    const cyclic: Record<string, unknown> = { v };
    cyclic.self = { inner: [cyclic] };
    return cyclic;
  }),
  fc.jsonValue().map((v) => JSON.parse(`{"a":[{"__proto__":${JSON.stringify(v)}}]}`) as unknown),
  fc.jsonValue().map((v) => ({ v, skipped: undefined, nan: Number.NaN })),
);

describe('quick checks of job input', () => {
  it('quickOptions returns what the options schema returns, or null', () => {
    let quick = 0;
    fc.assert(
      fc.property(optionsInput, (input) => {
        const q = quickOptions(input);
        if (q === null) return;
        quick++;
        expect(parseOptions(input)).toEqual(q);
      }),
      { numRuns: 3_000 },
    );
    // About half the inputs are valid options (the rest test the fallback).
    expect(quick).toBeGreaterThan(500);
  });

  it('plain options take the quick path; anything doubtful does not', () => {
    expect(quickOptions({ type: 'noop', payload: { i: 1 } })).toEqual({ type: 'noop', payload: { i: 1 } });
    const all = { type: 'a', payload: null, priority: 1, maxRetries: 0, delayMs: 0.5, dedupeKey: 'k', timeoutMs: 1, manual: true };
    expect(quickOptions(all)).toEqual(all);
    expect(quickOptions({ type: 'a', payload: undefined, runAt: new Date(5) })).toEqual({ type: 'a', runAt: new Date(5) });
    for (const bad of [
      { type: 'a', payload: 1, priority: 1.5 },
      { type: 'a', payload: 1, priority: 11 },
      { type: 'a', payload: 1, delayMs: -1 },
      { type: 'a', payload: 1, runAt: new Date(Number.NaN) },
      { type: 'a', payload: 1, dedupeKey: '' },
      { type: 'a', payload: 1, timeoutMs: 0 },
      { type: 'a', payload: 1, manual: 1 },
      { type: '' },
      { type: 'a' },
      { type: 'a', payload: 1, extra: 1 },
      JSON.parse('{"type": "a", "payload": 1, "__proto__": {}}') as unknown,
      Object.assign(Object.create({ inherited: 1 }) as object, { type: 'a', payload: 1 }),
      [],
      null,
    ]) {
      expect(quickOptions(bad)).toBeNull();
      expect(() => parseOptions(bad)).toThrow();
    }
  });

  it('isJsonQuick accepts only what findNonJson accepts, and accepts plain JSON', () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        if (isJsonQuick(value)) expect(findNonJson(value)).toBeNull();
      }),
      { numRuns: 3_000 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(isJsonQuick(value)).toBe(true);
      }),
    );
    const holey: unknown[] = [1];
    holey[2] = 3;
    expect(isJsonQuick(holey)).toBe(false);
    expect(findNonJson(holey)).not.toBeNull();
  });

  it('hasNoProtoKeyQuick accepts only what findProtoKey accepts, and accepts JSON without "__proto__" keys', () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        if (hasNoProtoKeyQuick(value)) expect(findProtoKey(value)).toBeNull();
      }),
      { numRuns: 3_000 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(hasNoProtoKeyQuick(value)).toBe(findProtoKey(value) === null);
      }),
    );
    const extra = Object.assign([1, 2], { hidden: JSON.parse('{"__proto__": 1}') as unknown });
    expect(hasNoProtoKeyQuick(extra)).toBe(false);
    expect(findProtoKey(extra)).toEqual({ path: 'payload.hidden.__proto__', message: '"__proto__" is not allowed as a key' });
  });
});
