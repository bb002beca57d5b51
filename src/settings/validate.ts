/**
 * Input checks shared by every settings store, so that each backend rejects the same
 * bad input with the same `ValidationError` before it writes anything.
 */
import { ValidationError, type ValidationIssue } from '../errors.js';
import type { SettingsDeleteTarget, SettingsEntries } from './types.js';

/** Longest key a store accepts; keys are identifiers, not payloads. */
export const MAX_SETTING_KEY_LENGTH = 512;

function keyProblem(key: unknown): string | null {
  if (typeof key !== 'string') return `key must be a string, got ${typeof key}`;
  if (key.length === 0) return 'key must not be empty';
  if (key.length > MAX_SETTING_KEY_LENGTH) return `key must be at most ${MAX_SETTING_KEY_LENGTH} characters`;
  return null;
}

function isIterable(value: object): value is Iterable<unknown> {
  return Symbol.iterator in value && typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

/**
 * Turns {@link SettingsEntries} into a checked list of pairs (the last value wins for a
 * repeated key). Throws `ValidationError` listing every bad entry.
 */
export function normalizeEntries(entries: SettingsEntries): [string, string][] {
  if (entries === null || typeof entries !== 'object') {
    throw new ValidationError('Settings entries must be an object or an iterable of [key, value] pairs', [
      { path: '', message: `got ${entries === null ? 'null' : typeof entries}` },
    ]);
  }
  const pairs: unknown[] = isIterable(entries) ? [...entries] : Object.entries(entries);
  const issues: ValidationIssue[] = [];
  const out = new Map<string, string>();
  pairs.forEach((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) {
      issues.push({ path: `[${i}]`, message: 'entry must be a [key, value] pair' });
      return;
    }
    const [key, value] = pair as [unknown, unknown];
    const problem = keyProblem(key);
    if (problem) {
      issues.push({ path: typeof key === 'string' ? key : `[${i}]`, message: problem });
      return;
    }
    if (typeof value !== 'string') {
      issues.push({ path: key as string, message: `value must be a string (encode it first), got ${typeof value}` });
      return;
    }
    out.set(key as string, value);
  });
  if (issues.length > 0) {
    throw new ValidationError(`Invalid settings: ${issues.map((i) => `${i.path || '(entry)'}: ${i.message}`).join('; ')}`, issues);
  }
  return [...out];
}

/** Checks a {@link SettingsDeleteTarget}; returns it as keys or as a prefix. */
export function normalizeDeleteTarget(target: SettingsDeleteTarget): { keys: string[] } | { prefix: string } {
  if (Array.isArray(target)) {
    const issues: ValidationIssue[] = [];
    (target as unknown[]).forEach((key, i) => {
      const problem = keyProblem(key);
      if (problem) issues.push({ path: `[${i}]`, message: problem });
    });
    if (issues.length > 0) {
      throw new ValidationError(`Invalid settings keys to delete: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
    }
    return { keys: [...new Set(target as string[])] };
  }
  if (target !== null && typeof target === 'object' && 'prefix' in target && typeof target.prefix === 'string') {
    if (target.prefix.length === 0) {
      // An empty prefix would wipe every setting of the host, not only ours: refuse it.
      throw new ValidationError('deleteMany needs a non-empty prefix', [
        { path: 'prefix', message: 'must not be empty (it would delete every setting)' },
      ]);
    }
    return { prefix: target.prefix };
  }
  throw new ValidationError('deleteMany needs an array of keys or { prefix }', [
    { path: '', message: 'expected string[] or { prefix: string }' },
  ]);
}

/** Checks the optional prefix of `getAll`. */
export function normalizePrefix(prefix: unknown): string {
  if (prefix === undefined) return '';
  if (typeof prefix !== 'string') {
    throw new ValidationError('getAll prefix must be a string', [{ path: 'prefix', message: `got ${typeof prefix}` }]);
  }
  return prefix;
}
