/**
 * Authentication of downloader webhooks. Radarr and Sonarr can send HTTP basic auth
 * (the Username/Password fields of their Webhook connection) and, in recent versions,
 * custom headers; every version can put a secret in the URL's query string. All
 * comparisons run in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ValidationError } from '../../errors.js';
import { sendError } from './errors.js';

/**
 * How a webhook proves it comes from your downloader.
 * - `basic`: `Authorization: Basic <username:password>`.
 * - `secret`: a shared secret in a header (default `X-Webhook-Secret`) or in the query
 *   string (default `?secret=`), whichever the sender can set.
 * - `none`: anyone who can reach the route may call it (only behind a trusted network).
 */
export type WebhookAuth =
  | { type: 'basic'; username: string; password: string }
  | {
      type: 'secret';
      secret: string;
      /** @default 'X-Webhook-Secret' */
      header?: string;
      /** Query parameter, or `false` to accept the header only. @default 'secret' */
      query?: string | false;
    }
  | { type: 'none' };

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function same(given: string | undefined, expected: Buffer): boolean {
  return given !== undefined && timingSafeEqual(digest(given), expected);
}

/** Checks a {@link WebhookAuth} at creation, so a typo fails at start-up. */
export function checkWebhookAuth(auth: WebhookAuth | undefined): WebhookAuth {
  const fail = (message: string): never => {
    throw new ValidationError(`Invalid webhook auth: ${message}`, [{ path: 'auth', message }]);
  };
  if (!auth || typeof auth !== 'object') return fail('give { type: "basic" | "secret" | "none", ... }');
  switch (auth.type) {
    case 'basic':
      if (typeof auth.username !== 'string' || auth.username === '' || auth.username.includes(':')) {
        fail('username must be a non-empty string without ":"');
      }
      if (typeof auth.password !== 'string' || auth.password.length < 8) fail('password must have at least 8 characters');
      return auth;
    case 'secret':
      if (typeof auth.secret !== 'string' || auth.secret.length < 16) fail('secret must have at least 16 characters');
      if (auth.header !== undefined && !/^[A-Za-z0-9-]+$/.test(auth.header)) fail('header must be a header name');
      return auth;
    case 'none':
      return auth;
    default:
      return fail('type must be "basic", "secret" or "none"');
  }
}

/** Middleware answering 401 `UNAUTHORIZED` to a webhook that does not prove itself. */
export function webhookAuthGuard(auth: WebhookAuth): RequestHandler {
  if (auth.type === 'none') return (_req, _res, next) => next();
  if (auth.type === 'basic') {
    const expected = digest(`${auth.username}:${auth.password}`);
    return (req, res, next) => {
      const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.get('authorization') ?? '');
      const given = match?.[1] === undefined ? undefined : Buffer.from(match[1], 'base64').toString('utf8');
      if (same(given, expected)) {
        next();
        return;
      }
      res.set('WWW-Authenticate', 'Basic realm="phaseq webhooks"');
      sendError(
        res,
        401,
        'UNAUTHORIZED',
        given === undefined ? 'This webhook needs HTTP basic auth' : 'Wrong webhook username or password',
      );
    };
  }
  const expected = digest(auth.secret);
  const header = auth.header ?? 'X-Webhook-Secret';
  const query = auth.query === undefined ? 'secret' : auth.query;
  return (req, res, next) => {
    const fromHeader = req.get(header);
    const fromQuery = query === false ? undefined : req.query[query];
    const given = fromHeader ?? (typeof fromQuery === 'string' ? fromQuery : undefined);
    if (same(given, expected)) {
      next();
      return;
    }
    const where = query === false ? `the ${header} header` : `the ${header} header or ?${query}=`;
    sendError(res, 401, 'UNAUTHORIZED', given === undefined ? `This webhook needs its secret in ${where}` : 'Wrong webhook secret');
  };
}
