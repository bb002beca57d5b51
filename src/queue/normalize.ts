/**
 * Turns what a caller passes to `addJob` into a storable {@link NewJob}, or throws a
 * ValidationError naming every offending field. Nothing here touches storage, so a
 * rejected input can never be half-stored.
 */
import { z } from 'zod';
import { UnknownJobTypeError, ValidationError, type ValidationIssue } from '../errors.js';
import { zodIssues, type HandlerRegistry } from '../handlers/HandlerRegistry.js';
import type { NewJob } from '../storage/types.js';
import { JOB_PRIORITY, MAX_PRIORITY, MIN_PRIORITY } from '../types.js';

/** Defaults the queue applies to jobs that do not say otherwise. */
export interface JobDefaults {
  maxRetries: number;
  maxPayloadBytes: number;
}

const inputSchema = z
  .object({
    type: z.string().min(1, 'must be a non-empty string'),
    payload: z.unknown(),
    priority: z
      .number()
      .int(`must be a whole number from ${MIN_PRIORITY} to ${MAX_PRIORITY}`)
      .min(MIN_PRIORITY, `must be from ${MIN_PRIORITY} (first) to ${MAX_PRIORITY} (last)`)
      .max(MAX_PRIORITY, `must be from ${MIN_PRIORITY} (first) to ${MAX_PRIORITY} (last)`)
      .optional(),
    maxRetries: z.number().int().min(0).max(1000).optional(),
    delayMs: z.number().finite().min(0).optional(),
    runAt: z.union([z.date(), z.number().finite()]).optional(),
    dedupeKey: z.string().min(1).max(512).optional(),
    timeoutMs: z.number().int().positive().max(2_147_483_647).optional(),
    manual: z.boolean().optional(),
  })
  .strict();

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
  const obj = value as object;
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
    const proto = Object.getPrototypeOf(obj);
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

/**
 * Validates one input against the options rules and its type's schema.
 *
 * @throws ValidationError for bad options or payload, UnknownJobTypeError for an unknown type
 */
export function normalizeJobInput(
  input: unknown,
  registry: HandlerRegistry,
  defaults: JobDefaults,
  now: number,
): NewJob {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) {
    const issues = zodIssues('', parsed.error.issues);
    throw new ValidationError(
      `Invalid job: ${issues.map((i) => `${i.path || 'input'}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  const o = parsed.data;
  if (o.delayMs !== undefined && o.runAt !== undefined) {
    throw new ValidationError('Invalid job: give delayMs or runAt, not both', [
      { path: 'runAt', message: 'cannot be combined with delayMs' },
    ]);
  }
  let runAt = now;
  if (o.delayMs !== undefined) runAt = now + Math.round(o.delayMs);
  if (o.runAt !== undefined) {
    runAt = o.runAt instanceof Date ? o.runAt.getTime() : Math.round(o.runAt);
    if (!Number.isFinite(runAt)) {
      throw new ValidationError('Invalid job: runAt is not a valid date', [{ path: 'runAt', message: 'invalid date' }]);
    }
  }
  const registration = registry.get(o.type);
  if (!registration) throw new UnknownJobTypeError(o.type);
  const protoKey = findProtoKey(o.payload);
  if (protoKey) {
    throw new ValidationError(`Invalid payload for job type "${o.type}": ${protoKey.path}: ${protoKey.message}`, [protoKey]);
  }
  const payload = registry.parsePayload(o.type, o.payload);
  const nonJson = findNonJson(payload);
  if (nonJson) {
    throw new ValidationError(`Invalid payload for job type "${o.type}": ${nonJson.path}: ${nonJson.message}`, [nonJson]);
  }
  const payloadJson = JSON.stringify(payload ?? null);
  const bytes = Buffer.byteLength(payloadJson, 'utf8');
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
    timeoutMs: o.timeoutMs ?? registration.timeoutMs ?? null,
    manual: o.manual ?? false,
  };
}
