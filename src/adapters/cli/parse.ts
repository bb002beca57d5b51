/**
 * Parsers for option values. Each throws commander's InvalidArgumentError, so commander
 * reports `option '--delay <duration>' argument '3x' is invalid. <why>` on one line and
 * the process exits with the usage code.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { JOB_PRIORITY, MAX_PRIORITY, MIN_PRIORITY } from '../../types.js';
import { UsageError } from './errors.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration such as `500ms`, `30s`, `5m`, `1h`, `2d` or `1.5s`, in milliseconds.
 * A bare number is refused: `--delay 30` could mean seconds or milliseconds.
 *
 * @example
 * ```ts
 * parseDuration('5m'); // 300000
 * ```
 */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/i.exec(text);
  if (!match) throw new InvalidArgumentError('Expected a duration such as 500ms, 30s, 5m or 1h.');
  const unit = match[2]!.toLowerCase() as keyof typeof UNIT_MS;
  const ms = Math.round(Number(match[1]) * UNIT_MS[unit]);
  if (!Number.isSafeInteger(ms)) throw new InvalidArgumentError('Duration is too long.');
  return ms;
}

const PRIORITY_NAMES: Record<string, number> = {
  critical: JOB_PRIORITY.CRITICAL,
  high: JOB_PRIORITY.HIGH,
  normal: JOB_PRIORITY.NORMAL,
  low: JOB_PRIORITY.LOW,
};

/** A priority: `critical`, `high`, `normal`, `low`, or a whole number 1 (first) .. 10 (last). */
export function parsePriority(text: string): number {
  const named = PRIORITY_NAMES[text.trim().toLowerCase()];
  if (named !== undefined) return named;
  if (/^\d+$/.test(text.trim())) {
    const n = Number(text);
    if (n >= MIN_PRIORITY && n <= MAX_PRIORITY) return n;
  }
  throw new InvalidArgumentError(`Expected critical, high, normal, low or a whole number ${MIN_PRIORITY}..${MAX_PRIORITY}.`);
}

/** A whole number within `[min, max]`, as an option parser. */
export function integerIn(min: number, max: number): (text: string) => number {
  return (text) => {
    if (!/^-?\d+$/.test(text.trim())) throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    const n = Number(text);
    if (n < min || n > max) throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

/** Collects a repeatable option (`--plugin a --plugin b`) into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * A JSON value given inline (`'{"to":"a@b.c"}'`) or read from a file (`@payload.json`,
 * `@-` for stdin).
 *
 * @throws UsageError naming the file or the JSON problem
 */
export function parseJsonArgument(text: string, what: string): unknown {
  let source = text;
  let origin = what;
  if (text.startsWith('@')) {
    const file = text.slice(1);
    origin = file === '-' ? `${what} from stdin` : `${what} file ${path.resolve(file)}`;
    try {
      source = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (error) {
      const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
      throw new UsageError(`Cannot read ${origin}: ${reason}`, { cause: error });
    }
  }
  try {
    return JSON.parse(source) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${origin} is not valid JSON: ${reason}`, { cause: error });
  }
}
