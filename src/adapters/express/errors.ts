/**
 * The one error shape of every phaseq route, `{ error: { code, message, details? } }`,
 * and the mapping from library and body-parser errors to HTTP statuses. A client can
 * always branch on `error.code`; a 500 says only that something went wrong, while the
 * full error (stack included) goes to the log.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { PhaseqError, type ValidationIssue } from '../../errors.js';

/** The body of every error response. */
export interface ApiErrorBody {
  error: {
    /** Stable, machine-readable code, e.g. `VALIDATION_ERROR`, `NOT_FOUND`, `INVALID_JSON`. */
    code: string;
    /** What went wrong, for people. */
    message: string;
    /** More about it: for `VALIDATION_ERROR`, one `{ path, message }` per bad field. */
    details?: unknown;
  };
}

/** The part of a logger the adapter uses (pino's `Logger` fits). */
export interface AdapterLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** An error the adapter raises itself, carrying its HTTP status. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Sends `{ error: { code, message, details? } }` with `status`. */
export function sendError(res: Response, status: number, code: string, message: string, details?: unknown): void {
  const body: ApiErrorBody = { error: { code, message } };
  if (details !== undefined) body.error.details = details;
  res.status(status).json(body);
}

/** body-parser's errors carry a `type` and a 4xx `status`. */
interface BodyParserError {
  type: string;
  status: number;
  limit?: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as Partial<BodyParserError>;
  return typeof e.type === 'string' && typeof e.status === 'number';
}

/** The fields of a phaseq error that the mapping reads. */
interface CodedError {
  code: string;
  message: string;
  issues?: readonly ValidationIssue[];
  type?: string;
}

/**
 * Library errors are recognised by their stable `code`, not by class: a host may load
 * phaseq and phaseq/express from separate bundles (or as ESM and CJS), each with its own
 * copy of the error classes, and `instanceof` would then miss every one of them.
 */
function codedError(error: unknown): CodedError | null {
  if (!(error instanceof Error)) return null;
  const { code } = error as Error & { code?: unknown };
  return typeof code === 'string' ? (error as Error & CodedError) : null;
}

/** Status, code, message and details of an error, as the client should see it. */
export function describeError(error: unknown): { status: number; code: string; message: string; details?: unknown } {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message, details: error.details };
  const coded = codedError(error);
  switch (coded?.code) {
    case 'VALIDATION_ERROR':
      return { status: 400, code: coded.code, message: coded.message, details: coded.issues ?? [] };
    case 'UNKNOWN_JOB_TYPE':
      return { status: 400, code: coded.code, message: coded.message, details: { type: coded.type } };
    case 'NOT_FOUND':
      return { status: 404, code: coded.code, message: coded.message };
    case 'QUEUE_STATE':
      return { status: 503, code: coded.code, message: coded.message };
    case 'STORAGE_ERROR':
      // Storage messages name files and hosts: say only that it is unavailable.
      return { status: 503, code: coded.code, message: 'Storage is unavailable' };
  }
  if (isBodyParserError(error)) {
    switch (error.type) {
      case 'entity.parse.failed':
        return { status: 400, code: 'INVALID_JSON', message: 'The request body is not valid JSON' };
      case 'entity.too.large':
        return {
          status: 413,
          code: 'PAYLOAD_TOO_LARGE',
          message: `The request body is larger than the limit${error.limit ? ` of ${error.limit} bytes` : ''}`,
        };
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'The request body must be UTF-8 JSON' };
      default:
        if (error.status >= 400 && error.status < 500) {
          return { status: error.status, code: 'BAD_REQUEST', message: 'The request body could not be read' };
        }
    }
  }
  if (error instanceof PhaseqError) return { status: 500, code: error.code, message: 'Internal server error' };
  return { status: 500, code: 'INTERNAL_ERROR', message: 'Internal server error' };
}

/**
 * Express error handler that answers in the phaseq error shape. Each router installs
 * one; mount it on your app as well to give your own routes the same shape.
 *
 * @example
 * ```ts
 * app.use(phaseqErrorHandler({ logger }));
 * ```
 */
export function phaseqErrorHandler(options: { logger?: AdapterLogger } = {}): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const { status, code, message, details } = describeError(error);
    if (status >= 500) options.logger?.error({ err: error, method: req.method, path: req.originalUrl.split('?')[0] }, 'request failed');
    sendError(res, status, code, message, details);
  };
}

/**
 * Answers every request that reached it with 404 `NOT_FOUND`: mount it after the phaseq
 * routers (e.g. on `/api`) so that unknown routes get the error shape, not HTML.
 */
export function notFoundHandler(): RequestHandler {
  return (req, res) => {
    sendError(res, 404, 'NOT_FOUND', `No route ${req.method} ${req.originalUrl.split('?')[0] ?? ''}`);
  };
}
