/**
 * What a job looks like over HTTP. Stored errors keep their stack traces for the logs and
 * the command line; over HTTP the stack frames are left out, since they name the
 * server's files to anyone who can read the API.
 */
import type { Job } from '../../types.js';

const STACK_FRAME = /^\s+at\s/;

/** The error text without its stack frames (`    at fn (file:line)` lines). */
export function withoutStack(text: string): string {
  return text
    .split('\n')
    .filter((line) => !STACK_FRAME.test(line))
    .join('\n');
}

/** A job as the API sends it: the stored job, `lastError` without stack frames. */
export function jobView(job: Job): Job {
  return job.lastError === null ? job : { ...job, lastError: withoutStack(job.lastError) };
}
