/**
 * JSON request bodies: the content type is checked before the body is read, the size is
 * limited, and every failure becomes a 4xx in the phaseq error shape (see errors.ts).
 */
import type { RequestHandler } from 'express';
import { express } from './peer.js';
import { HttpError } from './errors.js';

const JSON_TYPES = ['application/json', 'application/*+json'];

/** Default largest body. Settings patches and job payloads are small. */
export const DEFAULT_BODY_LIMIT = '100kb';

/**
 * Parses a JSON body of at most `limit`. A request with a body of another type is
 * refused with 415; a request without a body gets `req.body === undefined`.
 */
export function jsonBody(limit: number | string = DEFAULT_BODY_LIMIT): RequestHandler[] {
  const parse = express.json({ limit, type: JSON_TYPES, strict: false });
  const checkType: RequestHandler = (req, _res, next) => {
    // req.is() is null without a body and false for a body of another type; an empty
    // body (Content-Length: 0) is no body, whatever its declared type.
    if (req.get('content-length') !== '0' && req.is(JSON_TYPES) === false) {
      next(
        new HttpError(
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          `The request body must be JSON (Content-Type: application/json), got ${req.get('content-type') ?? 'none'}`,
        ),
      );
      return;
    }
    next();
  };
  return [checkType, parse];
}

/** The parsed body when it is a JSON object; a 400 otherwise (`what` names the expected body). */
export function objectBody(body: unknown, what: string, optional = false): Record<string, unknown> {
  if (body === undefined && optional) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'VALIDATION_ERROR', `The request body must be a JSON object: ${what}`, [
      {
        path: '',
        message: `expected an object, got ${body === undefined ? 'no body' : Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body}`,
      },
    ]);
  }
  return body as Record<string, unknown>;
}
