/**
 * Request guards shared by every router: the optional API key, the refusal of
 * cross-site mutating requests, and the warning about an unprotected public address.
 * No CORS headers are sent anywhere, so browsers keep cross-site reads blocked.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { RequestHandler } from 'express';
import { sendError, type AdapterLogger } from './errors.js';
import type { RouterOptions } from './options.js';

/** True for addresses only this machine can reach. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || a === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(a);
}

// Hashing first gives both sides the same length, so the comparison time says nothing
// about the key's length or its first differing byte.
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Requires `Authorization: Bearer <apiKey>` when a key is set (compared in constant
 * time); passes everything through when it is not.
 */
export function requireApiKey(apiKey: string | undefined): RequestHandler {
  if (apiKey === undefined) return (_req, _res, next) => next();
  const expected = digest(apiKey);
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected)) {
      next();
      return;
    }
    res.set('WWW-Authenticate', 'Bearer realm="phaseq"');
    sendError(res, 401, 'UNAUTHORIZED', header ? 'The API key is wrong' : 'This API needs an API key: send Authorization: Bearer <key>');
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses mutating requests (POST, PATCH, PUT, DELETE) that a browser sent from another
 * site, unless their origin is in `allowedOrigins`. Browsers say where a request comes
 * from in `Sec-Fetch-Site` (and `Origin`); clients that are not browsers send neither
 * and pass, since they need the API key (when one is set) anyway.
 */
export function refuseCrossSite(allowedOrigins: readonly string[] = []): RequestHandler {
  const allowed = new Set(allowedOrigins);
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    const origin = req.get('origin');
    if (origin !== undefined && allowed.has(origin)) {
      next();
      return;
    }
    const site = req.get('sec-fetch-site');
    let crossSite = site !== undefined && site !== 'same-origin' && site !== 'none';
    if (!crossSite && origin !== undefined) {
      crossSite = hostOf(origin) !== req.get('host');
    }
    if (crossSite) {
      sendError(res, 403, 'CROSS_SITE_REQUEST', 'Cross-site requests may not change anything here', {
        origin: origin ?? null,
      });
      return;
    }
    next();
  };
}

function hostOf(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host : null;
  } catch {
    return null;
  }
}

const UNPROTECTED =
  'phaseq API is reachable from other machines without an API key: anyone who can reach this address can change settings and jobs. Set apiKey, or bind to 127.0.0.1.';

/**
 * Logs one warning when `server` listens on a non-loopback address and no API key is
 * set. Call it right after `listen()`; it waits for the `listening` event if needed.
 *
 * @example
 * ```ts
 * const server = app.listen(3000, '0.0.0.0');
 * warnIfExposed(server, { apiKey: process.env.PHASEQ_API_KEY, logger });
 * ```
 */
export function warnIfExposed(server: Server, options: Pick<RouterOptions, 'apiKey' | 'logger'>): void {
  if (options.apiKey !== undefined) return;
  const check = (): void => {
    const address = server.address();
    if (address === null || typeof address === 'string') return; // a Unix socket is local
    if (!isLoopbackAddress(address.address)) warn(options.logger, { address: address.address, port: address.port });
  };
  if (server.listening) check();
  else server.once('listening', check);
}

function warn(logger: AdapterLogger | undefined, where: object): void {
  if (logger) logger.warn(where, UNPROTECTED);
  else process.emitWarning(UNPROTECTED, { code: 'PHASEQ_UNPROTECTED' });
}

// One warning per options object: the three routers usually share one.
const warnedFor = new WeakSet<object>();

/**
 * Without an API key, warns once (per options object) when a request arrives on a
 * non-loopback address: the routers cannot see `listen()`, but they see their requests.
 */
export function warnOnExposedRequest(options: RouterOptions): RequestHandler {
  return (req, _res, next) => {
    if (options.apiKey === undefined && !warnedFor.has(options)) {
      const local = req.socket.localAddress;
      if (local !== undefined && !isLoopbackAddress(local)) {
        warnedFor.add(options);
        warn(options.logger, { address: local });
      }
    }
    next();
  };
}

/** The guards every phaseq route runs first: exposure warning, API key, cross-site refusal. */
export function routeGuards(options: RouterOptions): RequestHandler[] {
  return [warnOnExposedRequest(options), requireApiKey(options.apiKey), refuseCrossSite(options.allowedOrigins)];
}
