/** Options shared by every phaseq router, and their checks. */
import { ValidationError, type ValidationIssue } from '../../errors.js';
import type { AdapterLogger } from './errors.js';

/** Options of `createPhaseConfigRouter`, `createJobsRouter` and `createHealthRouter`. */
export interface RouterOptions {
  /**
   * When set, every request must carry `Authorization: Bearer <apiKey>`; others get 401.
   * Without it, a warning is logged once when the routes are reached on a non-loopback
   * address (see also `warnIfExposed`).
   * @default none (no authentication)
   */
  apiKey?: string;
  /**
   * Origins (e.g. `https://admin.example.org`) allowed to send mutating requests from
   * another site. Requests from the page's own origin are always allowed; no CORS headers
   * are ever sent, so browsers still refuse cross-site reads.
   * @default []
   */
  allowedOrigins?: readonly string[];
  /**
   * Largest accepted JSON body, in bytes or as text understood by body-parser (`'100kb'`).
   * @default '100kb'
   */
  bodyLimit?: number | string;
  /** Where warnings and 5xx errors go (pino's `Logger` fits). @default none */
  logger?: AdapterLogger;
}

/** Checks router options at creation, so a typo fails at start-up rather than per request. */
export function checkRouterOptions(options: RouterOptions | undefined): RouterOptions {
  if (options === undefined) return {};
  const issues: ValidationIssue[] = [];
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('Router options must be an object', [{ path: '', message: 'expected an object' }]);
  }
  if (options.apiKey !== undefined && (typeof options.apiKey !== 'string' || options.apiKey.length < 8)) {
    issues.push({ path: 'apiKey', message: 'must be a string of at least 8 characters (or left out)' });
  }
  (options.allowedOrigins ?? []).forEach((origin, i) => {
    if (typeof origin !== 'string' || !/^https?:\/\/[^/]+$/.test(origin)) {
      issues.push({ path: `allowedOrigins.${i}`, message: 'must be an origin such as "https://example.org" (no path)' });
    }
  });
  const limit = options.bodyLimit;
  if (limit !== undefined && !(typeof limit === 'string' ? limit.length > 0 : Number.isInteger(limit) && limit > 0)) {
    issues.push({ path: 'bodyLimit', message: 'must be a positive number of bytes or a size such as "100kb"' });
  }
  if (issues.length > 0) {
    throw new ValidationError(`Invalid router options: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  return options;
}
