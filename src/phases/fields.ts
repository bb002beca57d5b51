/**
 * What a phase field is, read from its zod schema: the kind that decides how its value
 * is stored as text and coerced from HTTP/argv strings, its default, and its limits.
 * Schemas stay the single source of truth; nothing here is declared twice.
 */
import { z } from 'zod';

/**
 * How a field is stored and coerced.
 * - `boolean`: 'true' / 'false'
 * - `integer`, `number`: decimal text ('3', '0.5')
 * - `string`, `enum`: the text itself
 * - `string[]`: a JSON array of strings
 * - `json`: any other shape, as JSON
 */
export type FieldKind = 'boolean' | 'integer' | 'number' | 'string' | 'enum' | 'string[]' | 'json';

/** A field's kind, default and limits, as read from its schema. */
export interface FieldInfo {
  kind: FieldKind;
  /** The documented meaning (from `.describe()` / `.meta({ description })`). */
  description: string;
  /** True when the schema has a `.default()`. */
  hasDefault: boolean;
  /** The default value, when {@link hasDefault}. */
  defaultValue: unknown;
  /** Smallest number (numbers), or fewest items (lists). */
  min?: number;
  /** Largest number (numbers), or most items (lists). */
  max?: number;
  /** Allowed values (enums, and the items of lists of enums). */
  options?: readonly string[];
  /** Regular expression every text value (or list item) must match. */
  pattern?: string;
}

/** Layers that wrap a field's value schema without changing how it is stored. */
function unwrap(schema: z.core.$ZodType): {
  inner: z.core.$ZodType;
  description: string;
  hasDefault: boolean;
  defaultValue: unknown;
} {
  let current: z.core.$ZodType = schema;
  let description = '';
  let hasDefault = false;
  let defaultValue: unknown;
  for (;;) {
    const meta = z.globalRegistry.get(current);
    if (!description && typeof meta?.description === 'string') description = meta.description;
    if (current instanceof z.ZodDefault || current instanceof z.ZodPrefault) {
      if (!hasDefault) {
        hasDefault = true;
        defaultValue = current.def.defaultValue;
      }
      current = current.def.innerType;
    } else if (current instanceof z.ZodReadonly || current instanceof z.ZodCatch) {
      current = current.def.innerType;
    } else {
      return { inner: current, description, hasDefault, defaultValue };
    }
  }
}

interface CheckDef {
  check?: string;
  minimum?: unknown;
  maximum?: unknown;
  pattern?: unknown;
}

function checksOf(schema: z.core.$ZodType): CheckDef[] {
  const checks = schema._zod.def.checks ?? [];
  return checks.map((c) => c._zod.def as CheckDef);
}

function lengthLimits(schema: z.core.$ZodType): { min?: number; max?: number; pattern?: string } {
  const out: { min?: number; max?: number; pattern?: string } = {};
  for (const c of checksOf(schema)) {
    if (c.check === 'min_length' && typeof c.minimum === 'number') out.min = c.minimum;
    if (c.check === 'max_length' && typeof c.maximum === 'number') out.max = c.maximum;
    if (c.check === 'string_format' && c.pattern instanceof RegExp) out.pattern = c.pattern.source;
  }
  return out;
}

/** Reads a field's kind, default and limits from its schema. */
export function fieldInfo(schema: z.core.$ZodType): FieldInfo {
  const { inner, description, hasDefault, defaultValue } = unwrap(schema);
  const base = { description, hasDefault, defaultValue };
  if (inner instanceof z.ZodBoolean) return { kind: 'boolean', ...base };
  if (inner instanceof z.ZodNumber) {
    // isInt also counts an integer multipleOf, which the `format` zod suggests instead does not.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    const info: FieldInfo = { kind: inner.isInt ? 'integer' : 'number', ...base };
    // Integer schemas carry the safe-integer bounds implicitly; report only real limits.
    if (inner.minValue !== null && Number.isFinite(inner.minValue) && inner.minValue > Number.MIN_SAFE_INTEGER) {
      info.min = inner.minValue;
    }
    if (inner.maxValue !== null && Number.isFinite(inner.maxValue) && inner.maxValue < Number.MAX_SAFE_INTEGER) {
      info.max = inner.maxValue;
    }
    return info;
  }
  if (inner instanceof z.ZodEnum) {
    return { kind: 'enum', ...base, options: inner.options.map(String) };
  }
  if (inner instanceof z.ZodString) {
    const { pattern } = lengthLimits(inner);
    return pattern === undefined ? { kind: 'string', ...base } : { kind: 'string', ...base, pattern };
  }
  if (inner instanceof z.ZodArray) {
    const element = unwrap(inner.element).inner;
    if (element instanceof z.ZodString || element instanceof z.ZodEnum) {
      const { min, max } = lengthLimits(inner);
      const info: FieldInfo = { kind: 'string[]', ...base };
      if (min !== undefined) info.min = min;
      if (max !== undefined) info.max = max;
      if (element instanceof z.ZodEnum) info.options = element.options.map(String);
      else {
        const { pattern } = lengthLimits(element);
        if (pattern !== undefined) info.pattern = pattern;
      }
      return info;
    }
  }
  return { kind: 'json', ...base };
}

/** A stored text that cannot be read back as its field's kind. */
export class FieldDecodeError extends Error {}

const NUMBER_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A field value as stored text: the design's encoding (`'3'`, `'true'`, `'en'`, JSON lists).
 */
export function encodeField(kind: FieldKind, value: unknown): string {
  switch (kind) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'integer':
    case 'number':
      return String(value);
    case 'string':
    case 'enum':
      return String(value);
    case 'string[]':
    case 'json':
      return JSON.stringify(value);
  }
}

/** Reads stored text back; throws {@link FieldDecodeError} saying what was expected. */
export function decodeField(kind: FieldKind, text: string): unknown {
  switch (kind) {
    case 'boolean':
      if (text === 'true') return true;
      if (text === 'false') return false;
      throw new FieldDecodeError(`expected 'true' or 'false', found '${text}'`);
    case 'integer':
    case 'number':
      if (!NUMBER_TEXT.test(text)) throw new FieldDecodeError(`expected a number, found '${text}'`);
      return Number(text);
    case 'string':
    case 'enum':
      return text;
    case 'string[]':
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new FieldDecodeError(`expected JSON, found '${text}'`);
      }
  }
}

/**
 * Coerces a string that came from HTTP or a command line to the field's kind, only
 * where the reading is unambiguous: '4' for a number, 'true'/'false' for a boolean, a
 * JSON array for a list. Anything else is returned unchanged, so that validation reports
 * it with the field's own rule. Throws {@link FieldDecodeError} for a list that looks
 * like JSON but is not.
 */
export function coerceField(kind: FieldKind, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  switch (kind) {
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      return value;
    }
    case 'integer':
    case 'number':
      return NUMBER_TEXT.test(text) ? Number(text) : value;
    case 'string':
    case 'enum':
      return value;
    case 'string[]':
    case 'json':
      // Only a value that is clearly JSON: a comma-separated list would be ambiguous
      // (globs contain commas, e.g. '*.{mkv,mp4}').
      if (text.startsWith('[') || (kind === 'json' && text.startsWith('{'))) {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new FieldDecodeError(`is not valid JSON: ${text}`);
        }
      }
      return value;
  }
}
