/**
 * How the command line turns errors into one readable line and an exit code:
 * 0 success, 1 failure (the work itself went wrong), 2 usage error (the input was bad).
 * A stack is printed only with `--verbose`: an operator needs to know what to fix,
 * not where in phaseq the check happened.
 */
import { CommanderError } from 'commander';
import { MigrationError, PhaseqError, UnknownJobTypeError, ValidationError, type ValidationIssue } from '../../errors.js';

/** Exit code: the command did what it was asked. */
export const EXIT_OK = 0;
/** Exit code: the command was understood but the work failed (job not found, storage error, failed jobs). */
export const EXIT_FAILURE = 1;
/** Exit code: bad arguments, options, payload or setting value; nothing was changed. */
export const EXIT_USAGE = 2;

/** A problem with what was typed (an option, a file argument, a plugin module). */
export class UsageError extends PhaseqError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('USAGE_ERROR', message, options);
  }
}

const USAGE_CODES = new Set(['USAGE_ERROR', 'VALIDATION_ERROR', 'UNKNOWN_JOB_TYPE']);

/**
 * Whether `error` means "the input was bad" rather than "the work failed". Errors are
 * matched by their stable code too: modules loaded at run time (plugins, phaseq/bullmq)
 * throw classes from another copy of phaseq, which instanceof does not recognise.
 */
function isUsageError(error: unknown): boolean {
  return (
    error instanceof UsageError ||
    error instanceof ValidationError ||
    error instanceof UnknownJobTypeError ||
    (error instanceof PhaseqError === false &&
      typeof error === 'object' &&
      error !== null &&
      'code' in error &&
      typeof error.code === 'string' &&
      USAGE_CODES.has(error.code)) ||
    (error instanceof CommanderError && error.exitCode !== 0)
  );
}

/** The exit code for an error thrown by a command. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError && error.exitCode === 0) return EXIT_OK;
  return isUsageError(error) ? EXIT_USAGE : EXIT_FAILURE;
}

function listIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

/**
 * One line that says what was wrong. A ValidationError's message usually names its
 * issues already; when it does not, they are appended so no offending field goes unnamed.
 */
export function describeError(error: unknown): string {
  if (error instanceof ValidationError) {
    const issues = listIssues(error.issues);
    const text = issues && !error.message.includes(issues) ? `${error.message} (${issues})` : error.message;
    return `error: ${oneLine(text)}`;
  }
  if (error instanceof MigrationError || error instanceof PhaseqError) return `error: ${oneLine(error.message)}`;
  if (error instanceof Error) return `error: ${oneLine(error.message)}`;
  return `error: ${oneLine(String(error))}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Prints an error to stderr (one line, plus the stack with `verbose`) and returns the
 * exit code to use. Commander prints its own usage errors, so those are not repeated.
 */
export function reportError(error: unknown, verbose: boolean): number {
  const code = exitCodeFor(error);
  if (error instanceof CommanderError) return code;
  process.stderr.write(`${describeError(error)}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return code;
}
