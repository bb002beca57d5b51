/**
 * How zod's findings become {@link ValidationIssue}s a person can act on: every issue
 * names its field and says what is allowed ("must be a whole number, not the text "5""),
 * never zod's raw "Invalid input: expected number, received string", and each field gets
 * one message. Every schema phaseq parses (job options, payloads, settings, webhook
 * bodies) goes through {@link parseWithIssues}, so the wording is the same everywhere.
 *
 * Messages a schema author wrote (`z.string().min(1, 'must not be empty')`) win over
 * these: the map below is passed per parse, which zod consults only for issues that
 * carry no message of their own. Nothing is set globally, so a host's own zod use is
 * untouched.
 */
import type { z } from 'zod';
import type { ValidationIssue } from './errors.js';

/** What a zod issue may carry, as the error map sees it (a subset of zod's raw issue). */
interface RawIssue {
  code?: string;
  input?: unknown;
  expected?: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  format?: string;
  pattern?: string;
  values?: readonly unknown[];
  keys?: readonly string[];
  divisor?: number | bigint;
  message?: string;
}

/** How the docs name each kind of value. */
const KIND: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'a list',
  tuple: 'a list',
  date: 'a date',
  null: 'null',
  map: 'a map',
  set: 'a set',
};

const FORMAT: Record<string, string> = {
  email: 'an email address such as name@example.com',
  url: 'a URL such as https://example.com/',
  uuid: 'a UUID',
  guid: 'a UUID',
  datetime: 'an ISO-8601 date and time such as 2030-01-01T09:00:00Z',
  date: 'an ISO-8601 date such as 2030-01-01',
  time: 'a time such as 09:00:00',
  duration: 'an ISO-8601 duration such as PT5M',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  base64: 'base64 text',
  json_string: 'JSON text',
};

/** A short description of a value a person gave, for "not …". */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string': {
      if (value.trim() === '') return value === '' ? 'empty text' : 'blank text';
      const shown = value.length > 40 ? `${value.slice(0, 39)}…` : value;
      return `the text ${JSON.stringify(shown)}`;
    }
    case 'number':
      return Number.isNaN(value) ? 'NaN' : String(value);
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'object':
      return value instanceof Date ? (Number.isNaN(value.getTime()) ? 'an invalid date' : 'a date') : 'an object';
    default:
      return `a ${typeof value}`;
  }
}

function bound(limit: number | bigint | undefined, inclusive: boolean | undefined, least: boolean): string {
  if (inclusive === false) return `${least ? 'greater' : 'less'} than ${limit}`;
  return `${least ? 'at least' : 'at most'} ${limit}`;
}

function sizeMessage(iss: RawIssue, least: boolean): string {
  const limit = least ? iss.minimum : iss.maximum;
  switch (iss.origin) {
    case 'string':
      if (least && Number(limit) === 1) return 'must not be empty';
      return `must be ${bound(limit, iss.inclusive, least)} characters long`;
    case 'array':
    case 'set':
      if (least && Number(limit) === 1) return 'must not be an empty list';
      return `must have ${bound(limit, iss.inclusive, least)} items`;
    case 'date':
      return `must be ${least ? 'on or after' : 'on or before'} ${new Date(Number(limit)).toISOString()}`;
    default:
      return `must be ${bound(limit, iss.inclusive, least)}`;
  }
}

/**
 * The people-friendly text of one zod issue, or undefined to keep zod's (for codes this
 * map does not know). Used as a per-parse error map: `schema.safeParse(v, { error: peopleErrorMap })`.
 */
export function peopleErrorMap(iss: RawIssue): string | undefined {
  const got = (): string => (iss.input === undefined ? '' : `, not ${describeValue(iss.input)}`);
  switch (iss.code) {
    case 'invalid_type': {
      const kind = KIND[iss.expected ?? ''];
      if (iss.input === undefined || iss.expected === 'nonoptional') return kind ? `is required (${kind})` : 'is required';
      if (iss.expected === 'int' && typeof iss.input === 'number') return `must be a whole number, not ${describeValue(iss.input)}`;
      return `must be ${kind ?? iss.expected ?? 'another kind of value'}${got()}`;
    }
    case 'too_small':
      return sizeMessage(iss, true);
    case 'too_big':
      return sizeMessage(iss, false);
    case 'invalid_format': {
      if (iss.format === 'regex') return `must match the pattern ${iss.pattern ?? ''}`.trim();
      if (iss.format === 'starts_with' || iss.format === 'ends_with' || iss.format === 'includes') return undefined;
      const format = FORMAT[iss.format ?? ''];
      return format ? `must be ${format}${got()}` : undefined;
    }
    case 'invalid_value': {
      const values = (iss.values ?? []).map((v) => JSON.stringify(v));
      if (values.length === 1) return `must be ${values[0]}${got()}`;
      return `must be one of ${values.join(', ')}${got()}`;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${iss.divisor}`;
    case 'unrecognized_keys':
      return 'is not a known field';
    case 'invalid_union':
      return iss.input === undefined ? 'is required' : `is not one of the allowed forms${got()}`;
    case 'invalid_key':
      return 'has a key that is not allowed';
    case 'invalid_element':
      return 'has an element that is not allowed';
    default:
      return undefined;
  }
}

/** The error map as zod's parse parameter accepts it. */
const errorParam = peopleErrorMap as unknown as z.core.$ZodErrorMap;

/**
 * Turns zod issues into {@link ValidationIssue}s with dotted paths under `prefix`: an
 * unknown key becomes an issue on that key, and a field with several findings gets one
 * issue whose message lists them (first found first).
 */
export function zodIssues(
  prefix: string,
  issues: readonly { path: readonly PropertyKey[]; message: string; code?: string; keys?: readonly string[] }[],
): ValidationIssue[] {
  const byPath = new Map<string, string[]>();
  const add = (segments: readonly PropertyKey[], message: string): void => {
    const path = [prefix, ...segments.map((p) => String(p))].filter((s) => s !== '').join('.');
    const messages = byPath.get(path) ?? [];
    if (!messages.includes(message)) messages.push(message);
    byPath.set(path, messages);
  };
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys' && issue.keys && issue.keys.length > 0) {
      for (const key of issue.keys) add([...issue.path, key], issue.message);
    } else {
      add(issue.path, issue.message);
    }
  }
  return [...byPath].map(([path, messages]) => ({ path, message: messages.join('; ') }));
}

/** `path: message; …` — the detail part of a ValidationError's message. */
export function describeIssues(issues: readonly ValidationIssue[], whole = 'input'): string {
  return issues.map((i) => `${i.path || whole}: ${i.message}`).join('; ');
}

/** What {@link parseWithIssues} returns. */
export type ParseOutcome<T> = { success: true; data: T } | { success: false; issues: ValidationIssue[] };

/**
 * Parses `value` with `schema`, reporting failures as people-friendly issues under
 * `prefix`. A schema from another zod copy (a plugin's) still parses; the map only
 * changes wording. A value that fails is parsed twice (the second time for the wording),
 * so a refinement's side effects, if it has any, happen twice for it.
 */
export function parseWithIssues<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): ParseOutcome<z.output<S>> {
  // First without the error map: zod compiles an object schema into a fast parser that a
  // parse given an error map does not take (measured with zod 4.6: 45 ns against 1.3 µs
  // for a one-field payload, a sixth of a bulk add). The map changes only the words of
  // the issues, so a failed value is parsed again with it to word them.
  const parsed = schema.safeParse(value);
  if (parsed.success) return { success: true, data: parsed.data };
  const worded = schema.safeParse(value, { error: errorParam });
  return { success: false, issues: zodIssues(prefix, (worded.success ? parsed : worded).error.issues) };
}
