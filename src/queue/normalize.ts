/**
 * Turns what a caller passes to `addJob` into a storable {@link NewJob}, or throws a
 * ValidationError naming every offending field. Nothing here touches storage, so a
 * rejected input can never be half-stored.
 */
import { z } from 'zod';
import { UnknownJobTypeError, ValidationError, type ValidationIssue } from '../errors.js';
import type { HandlerRegistry } from '../handlers/HandlerRegistry.js';
import type { DebounceWindow, NewJob } from '../storage/types.js';
import { JOB_PRIORITY, MAX_JOB_DELAY_MS, MAX_PRIORITY, MIN_PRIORITY } from '../types.js';
import { describeIssues, describeValue, zodIssues } from '../validation.js';
import { MAX_TIMER_DELAY_MS } from '../timers.js';

/** Defaults the queue applies to jobs that do not say otherwise. */
export interface JobDefaults {
  maxRetries: number;
  maxPayloadBytes: number;
}

/**
 * An ISO-8601 date (`2030-01-01`, midnight UTC) or date and time with its offset
 * (`2030-01-01T09:00:00Z`, `2030-01-01T09:00:00.000+02:00`). A time without an offset
 * is refused: it would mean a different moment on every server.
 */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;

const RUN_AT_ALLOWED = 'a time at most 10 years from now: epoch milliseconds, a Date, or an ISO-8601 text such as 2030-01-01T09:00:00Z';

/** Epoch milliseconds of a `runAt` value (number, Date or ISO-8601 text), or null when it is none. */
export function runAtTime(value: unknown): number | null {
  let time = Number.NaN;
  if (typeof value === 'number') time = value;
  else if (value instanceof Date) time = value.getTime();
  else if (typeof value === 'string' && ISO_TIME.test(value.trim())) time = Date.parse(value.trim());
  return Number.isFinite(time) ? Math.round(time) : null;
}

/** One job option: who may hold it, and how the docs say what is allowed. */
interface OptionRule {
  /** What is allowed, in the words of the docs ("a whole number from 1 (first) to 10 (last)"). */
  allowed: string;
  ok: (value: unknown) => boolean;
}

/**
 * The rule of every option of `addJob`, shared by the quick reader and the exact parse,
 * so both accept the same values and a refused value always gets the same message.
 */
const OPTION_RULES = {
  priority: {
    allowed: `a whole number from ${MIN_PRIORITY} (first) to ${MAX_PRIORITY} (last)`,
    ok: (v) => isIntIn(v, MIN_PRIORITY, MAX_PRIORITY),
  },
  maxRetries: { allowed: 'a whole number from 0 to 1000', ok: (v) => isIntIn(v, 0, 1000) },
  delayMs: {
    allowed: `a number of milliseconds from 0 to ${MAX_JOB_DELAY_MS} (10 years)`,
    ok: (v) => typeof v === 'number' && v >= 0 && v <= MAX_JOB_DELAY_MS,
  },
  runAt: { allowed: RUN_AT_ALLOWED, ok: (v) => runAtTime(v) !== null },
  dedupeKey: { allowed: 'text of 1 to 512 characters', ok: (v) => typeof v === 'string' && v.length >= 1 && v.length <= 512 },
  timeoutMs: {
    allowed: `a whole number of milliseconds from 1 to ${MAX_TIMER_DELAY_MS} (about 24.8 days)`,
    ok: (v) => isIntIn(v, 1, MAX_TIMER_DELAY_MS),
  },
  manual: { allowed: 'true or false', ok: (v) => typeof v === 'boolean' },
  debounceMs: {
    allowed: `a whole number of milliseconds from 1 to ${MAX_JOB_DELAY_MS} (10 years)`,
    ok: (v) => isIntIn(v, 1, MAX_JOB_DELAY_MS),
  },
  debounceMaxWaitMs: {
    allowed: `a whole number of milliseconds from debounceMs to ${MAX_JOB_DELAY_MS} (10 years)`,
    ok: (v) => isIntIn(v, 1, MAX_JOB_DELAY_MS),
  },
} satisfies Record<string, OptionRule>;

/** `must be <allowed>, not <what was given>`: one message per option, whatever was wrong. */
function mustBe(allowed: string) {
  return { error: (iss: { input?: unknown }) => `must be ${allowed}, not ${describeValue(iss.input)}` };
}

function option<T>(name: keyof typeof OPTION_RULES) {
  const rule: OptionRule = OPTION_RULES[name];
  return z.custom<T>((v) => rule.ok(v), mustBe(rule.allowed)).optional();
}

const TYPE_ALLOWED = 'the name of a registered job type (non-empty text)';
const OPTION_NAMES = ['type', 'payload', ...Object.keys(OPTION_RULES)].join(', ');
/** The message of a missing payload: the one key zod itself reports as required. */
const PAYLOAD_REQUIRED = "is required: the job's data, as its type's schema describes it ({} when it has none)";

const inputSchema = z.strictObject(
  {
    type: z.custom<string>((v) => typeof v === 'string' && v.length > 0, {
      error: (iss) =>
        iss.input === undefined ? `is required: ${TYPE_ALLOWED}` : `must be ${TYPE_ALLOWED}, not ${describeValue(iss.input)}`,
    }),
    // Required as a key (see PAYLOAD_REQUIRED); its value is checked by the job type's schema.
    payload: z.unknown(),
    priority: option<number>('priority'),
    maxRetries: option<number>('maxRetries'),
    delayMs: option<number>('delayMs'),
    runAt: option<Date | number | string>('runAt'),
    dedupeKey: option<string>('dedupeKey'),
    timeoutMs: option<number>('timeoutMs'),
    manual: option<boolean>('manual'),
    debounceMs: option<number>('debounceMs'),
    debounceMaxWaitMs: option<number>('debounceMaxWaitMs'),
  },
  {
    error: (iss): string =>
      iss.code === 'unrecognized_keys'
        ? `is not a job option (the options are ${OPTION_NAMES})`
        : 'must be an object such as { "type": "send-email", "payload": { … } }',
  },
);

/** The options of one input, as `inputSchema` returns them. */
export type JobOptions = z.infer<typeof inputSchema>;

/** The keys `inputSchema` declares: any other key makes its strict parse fail. */
const OPTION_KEYS: ReadonlySet<string> = new Set(Object.keys(inputSchema.shape));

/**
 * Reads the options without zod when they are certainly valid: an object whose every
 * key (the same `for...in` walk as zod's strict check) is declared, each value accepted
 * by its rule. Returns null for anything else, which then goes through `inputSchema`
 * itself, so that errors are always worded by the rules. Each value is read once; a
 * returned value is exactly what the schema would have returned.
 */
export function quickOptions(input: unknown): JobOptions | null {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return null;
  for (const key in input) if (!OPTION_KEYS.has(key)) return null;
  const o = input as Record<string, unknown>;
  const { type, payload, priority, maxRetries, delayMs, runAt, dedupeKey, timeoutMs, manual, debounceMs, debounceMaxWaitMs } = o;
  if (typeof type !== 'string' || type.length === 0) return null;
  // zod requires the payload key (`in`, as zod tests it), even when it holds undefined.
  if (!('payload' in o)) return null;
  const r = OPTION_RULES;
  if (priority !== undefined && !r.priority.ok(priority)) return null;
  if (maxRetries !== undefined && !r.maxRetries.ok(maxRetries)) return null;
  if (delayMs !== undefined && !r.delayMs.ok(delayMs)) return null;
  if (runAt !== undefined && !r.runAt.ok(runAt)) return null;
  if (dedupeKey !== undefined && !r.dedupeKey.ok(dedupeKey)) return null;
  if (timeoutMs !== undefined && !r.timeoutMs.ok(timeoutMs)) return null;
  if (manual !== undefined && !r.manual.ok(manual)) return null;
  if (debounceMs !== undefined && !r.debounceMs.ok(debounceMs)) return null;
  if (debounceMaxWaitMs !== undefined && !r.debounceMaxWaitMs.ok(debounceMaxWaitMs)) return null;
  return {
    type,
    payload,
    priority: priority as number | undefined,
    maxRetries: maxRetries as number | undefined,
    delayMs: delayMs as number | undefined,
    runAt: runAt as Date | number | string | undefined,
    dedupeKey: dedupeKey as string | undefined,
    timeoutMs: timeoutMs as number | undefined,
    manual: manual,
    debounceMs: debounceMs as number | undefined,
    debounceMaxWaitMs: debounceMaxWaitMs as number | undefined,
  };
}

/** An integer from `min` to `max`: within the safe range, so zod's `.int()` agrees. */
function isIntIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** Nesting depth the quick checks walk; deeper values, cycles included, take the exact walks. */
const QUICK_DEPTH = 64;

/**
 * True only if {@link findNonJson} finds nothing in `value`. Builds no paths and keeps no
 * set: a cycle runs into the depth limit, and any doubt returns false, after which the
 * exact walk decides. `for...in` visits every own enumerable key (and inherited ones),
 * so it checks no less than the exact walk's `Object.entries`.
 */
export function isJsonQuick(value: unknown, depth = 0): boolean {
  if (typeof value !== 'object') {
    return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
  }
  if (value === null) return true;
  if (depth >= QUICK_DEPTH) return false;
  if (Array.isArray(value)) {
    // Indexes up to length, holes included (a hole is undefined), like the exact walk.
    for (let i = 0; i < value.length; i++) if (!isJsonQuick(value[i], depth + 1)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) {
    const v: unknown = (value as Record<string, unknown>)[key];
    if (v !== undefined && !isJsonQuick(v, depth + 1)) return false;
  }
  return true;
}

/** True only if {@link findProtoKey} finds nothing in `value`; false when in doubt (see {@link isJsonQuick}). */
export function hasNoProtoKeyQuick(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (depth >= QUICK_DEPTH) return false;
  if (!Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, '__proto__')) return false;
  for (const key in value) {
    if (!hasNoProtoKeyQuick((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/** Checks that `value` survives JSON unchanged; returns the first problem found, or null. */
export function findNonJson(value: unknown, path = 'payload', seen = new Set<object>()): ValidationIssue | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : { path, message: `${value} is not representable in JSON` };
    case 'undefined':
      return { path, message: 'undefined is not representable in JSON (omit the field or use null)' };
    case 'bigint':
    case 'symbol':
    case 'function':
      return { path, message: `a ${typeof value} is not representable in JSON` };
    case 'object':
      break;
  }
  if (value === null) return null;
  const obj = value;
  if (seen.has(obj)) return { path, message: 'circular reference' };
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      for (let i = 0; i < obj.length; i++) {
        const issue = findNonJson(obj[i], `${path}.${i}`, seen);
        if (issue) return issue;
      }
      return null;
    }
    const proto: unknown = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      const name = (obj as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      return { path, message: `a ${name} is not plain JSON (use strings, numbers, arrays and plain objects)` };
    }
    for (const [key, v] of Object.entries(obj)) {
      // An explicit undefined in an object is dropped by JSON, exactly like an absent key.
      if (v === undefined) continue;
      const issue = findNonJson(v, `${path}.${key}`, seen);
      if (issue) return issue;
    }
    return null;
  } finally {
    seen.delete(obj);
  }
}

/**
 * Finds an own `__proto__` key anywhere in `value` (as `JSON.parse` makes them). Schemas
 * that build new objects (`z.record`, ...) assign such a key, which silently drops it or
 * replaces the object's prototype, so the stored payload would differ from the one given.
 */
export function findProtoKey(value: unknown, path = 'payload', seen = new Set<object>()): ValidationIssue | null {
  if (value === null || typeof value !== 'object' || seen.has(value)) return null;
  seen.add(value);
  if (!Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, '__proto__')) {
    return { path: `${path}.__proto__`, message: '"__proto__" is not allowed as a key' };
  }
  for (const [key, v] of Object.entries(value)) {
    const issue = findProtoKey(v, `${path}.${key}`, seen);
    if (issue) return issue;
  }
  return null;
}

/** The options parsed by `inputSchema`. @throws ValidationError naming every offending field */
export function parseOptions(input: unknown): JobOptions {
  const parsed = inputSchema.safeParse(input, {
    error: (iss) => (iss.code === 'invalid_type' && iss.expected === 'nonoptional' ? PAYLOAD_REQUIRED : undefined),
  });
  if (!parsed.success) {
    const issues = zodIssues('', parsed.error.issues);
    throw new ValidationError(`Invalid job: ${describeIssues(issues, 'job')}`, issues);
  }
  return parsed.data;
}

/**
 * Validates one input against the options rules and its type's schema.
 *
 * @throws ValidationError for bad options or payload, UnknownJobTypeError for an unknown type
 */
export function normalizeJobInput(input: unknown, registry: HandlerRegistry, defaults: JobDefaults, now: number): NewJob {
  const o = quickOptions(input) ?? parseOptions(input);
  if (o.delayMs !== undefined && o.runAt !== undefined) {
    throw new ValidationError('Invalid job: runAt: give delayMs or runAt, not both', [
      { path: 'runAt', message: 'give delayMs or runAt, not both' },
    ]);
  }
  const debounce = debounceOf(o);
  let runAt = debounce ? now + debounce.ms : now;
  if (o.delayMs !== undefined) runAt = now + Math.round(o.delayMs);
  if (o.runAt !== undefined) {
    // The rule accepted it, so it reads as a time; only its distance from now is left.
    runAt = runAtTime(o.runAt) ?? now;
    if (runAt > now + MAX_JOB_DELAY_MS) {
      const message = `must be ${RUN_AT_ALLOWED}, not ${describeValue(o.runAt)}`;
      throw new ValidationError(`Invalid job: runAt: ${message}`, [{ path: 'runAt', message }]);
    }
  }
  const registration = registry.get(o.type);
  if (!registration) throw new UnknownJobTypeError(o.type);
  const protoKey = hasNoProtoKeyQuick(o.payload, 0) ? null : findProtoKey(o.payload);
  if (protoKey) {
    throw new ValidationError(`Invalid payload for job type "${o.type}": ${protoKey.path}: ${protoKey.message}`, [protoKey]);
  }
  const payload = registry.parsePayload(o.type, o.payload);
  const nonJson = isJsonQuick(payload, 0) ? null : findNonJson(payload);
  if (nonJson) {
    throw new ValidationError(`Invalid payload for job type "${o.type}": ${nonJson.path}: ${nonJson.message}`, [nonJson]);
  }
  const payloadJson = JSON.stringify(payload ?? null);
  // A UTF-16 code unit takes at most 3 bytes of UTF-8: a string that short cannot be over.
  const bytes = payloadJson.length * 3 <= defaults.maxPayloadBytes ? 0 : Buffer.byteLength(payloadJson, 'utf8');
  if (bytes > defaults.maxPayloadBytes) {
    throw new ValidationError(
      `Invalid payload for job type "${o.type}": ${bytes} bytes of JSON, the limit is ${defaults.maxPayloadBytes}`,
      [{ path: 'payload', message: `larger than ${defaults.maxPayloadBytes} bytes` }],
    );
  }
  return {
    type: o.type,
    payload,
    payloadJson,
    priority: o.priority ?? JOB_PRIORITY.NORMAL,
    maxRetries: o.maxRetries ?? registration.maxRetries ?? defaults.maxRetries,
    runAt,
    dedupeKey: o.dedupeKey ?? null,
    groupKey: registration.group ? groupKeyOf(o.type, registration.group.by, payload) : null,
    timeoutMs: o.timeoutMs ?? registration.timeoutMs ?? null,
    manual: o.manual ?? false,
    debounce,
    trace: null,
  };
}

/** Default of `debounceMaxWaitMs`: this many debounce windows. */
export const DEBOUNCE_MAX_WAIT_FACTOR = 10;

/** Throws the ValidationError of one bad job option. */
function refuse(path: string, message: string): never {
  throw new ValidationError(`Invalid job: ${path}: ${message}`, [{ path, message }]);
}

/**
 * The debounce window of a job, or null without `debounceMs`.
 *
 * @throws ValidationError naming the field: `debounceMaxWaitMs` without `debounceMs` or
 * below it, `debounceMs` without `dedupeKey` or with `delayMs`/`runAt`
 */
function debounceOf(o: JobOptions): DebounceWindow | null {
  if (o.debounceMs === undefined) {
    if (o.debounceMaxWaitMs !== undefined) refuse('debounceMaxWaitMs', 'is only allowed with debounceMs');
    return null;
  }
  if (o.dedupeKey === undefined) refuse('debounceMs', 'needs a dedupeKey: the key names the jobs a burst collapses into');
  if (o.delayMs !== undefined || o.runAt !== undefined) {
    refuse('debounceMs', 'give debounceMs or delayMs/runAt, not both: a debounced job runs debounceMs after the last add');
  }
  const maxWaitMs = o.debounceMaxWaitMs ?? Math.min(o.debounceMs * DEBOUNCE_MAX_WAIT_FACTOR, MAX_JOB_DELAY_MS);
  if (maxWaitMs < o.debounceMs) {
    refuse('debounceMaxWaitMs', `must be at least debounceMs (${o.debounceMs}), not ${maxWaitMs}`);
  }
  return { ms: o.debounceMs, maxWaitMs };
}

/** Longest group key, as for dedupe keys. */
const MAX_GROUP_KEY = 512;

/**
 * The group key of a job: what its type's `group.by` returns for the validated payload.
 *
 * @throws ValidationError naming `groupKey` when `by` throws or returns anything but a
 * string of 1 to 512 characters
 */
function groupKeyOf(type: string, by: (payload: unknown) => string, payload: unknown): string {
  let key: unknown;
  try {
    key = by(payload);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ValidationError(`Invalid job: group.by of job type "${type}" threw: ${reason}`, [
      { path: 'groupKey', message: `group.by threw: ${reason}` },
    ]);
  }
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_GROUP_KEY) {
    const got = typeof key === 'string' ? `a string of ${key.length} characters` : key === null ? 'null' : `a ${typeof key}`;
    const message = `group.by must return a string of 1 to ${MAX_GROUP_KEY} characters, got ${got}`;
    throw new ValidationError(`Invalid job: ${message} (job type "${type}")`, [{ path: 'groupKey', message }]);
  }
  return key;
}
