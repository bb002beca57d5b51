/**
 * The first half of `addJobs`: every input of a call is validated before any is stored
 * (all or none), a bad one named by its index, and every job joins the caller's trace.
 */
import { ValidationError } from '../errors.js';
import type { HandlerRegistry } from '../handlers/HandlerRegistry.js';
import type { NewJob } from '../storage/types.js';
import { normalizeJobInput, type JobDefaults } from './normalize.js';
import { captureTrace } from './tracing.js';

/**
 * The jobs to store for `inputs`, validated at `now`.
 *
 * @throws ValidationError when `inputs` is not an array, or for the first bad input (its
 * issues' paths prefixed with its index when the call adds several), UnknownJobTypeError
 * for a type without a handler
 */
export function prepareJobs(inputs: unknown, registry: HandlerRegistry, defaults: JobDefaults, now: number): NewJob[] {
  if (!Array.isArray(inputs)) {
    throw new ValidationError('addJobs takes an array of jobs', [{ path: '', message: 'expected an array' }]);
  }
  const jobs = inputs.map((input: unknown, i) => {
    try {
      return normalizeJobInput(input, registry, defaults, now);
    } catch (error) {
      if (inputs.length > 1 && error instanceof ValidationError) {
        throw new ValidationError(
          `jobs[${i}]: ${error.message}`,
          error.issues.map((issue) => ({ ...issue, path: `${i}.${issue.path}` })),
        );
      }
      throw error;
    }
  });
  // One context for the whole call: every job it adds joins the caller's trace.
  const trace = jobs.length > 0 ? captureTrace() : null;
  if (trace !== null) for (const j of jobs) j.trace = trace;
  return jobs;
}
