/**
 * A per-client token bucket: each address may send `burst` requests at once and then
 * `perMinute` a minute on average. Small and in memory on purpose: it protects one
 * process from a misbehaving or looping sender, not a fleet from a distributed attack.
 */
import type { RequestHandler } from 'express';
import { ValidationError } from '../../errors.js';
import { sendError } from './errors.js';

/** Options of the per-address rate limit (`rateLimitPerIp`, used by the webhook router). */
export interface RateLimitOptions {
  /** Average requests a minute each address may send. @default 60 */
  perMinute?: number;
  /** Requests an address may send at once before the average applies. @default 20 */
  burst?: number;
  /** Addresses remembered at most; the fullest buckets are forgotten first. @default 10_000 */
  maxClients?: number;
  /** The clock. @default Date.now */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Express middleware answering 429 `RATE_LIMITED` (with `Retry-After` in seconds) when an
 * address has no token left. The address is `req.ip`, so set Express's `trust proxy`
 * when the server sits behind a reverse proxy.
 *
 * @throws ValidationError for a non-positive rate or burst
 * @example
 * ```ts
 * router.post('/webhooks/radarr', rateLimitPerIp({ perMinute: 30, burst: 10 }), handler);
 * ```
 */
export function rateLimitPerIp(options: RateLimitOptions = {}): RequestHandler {
  const perMinute = options.perMinute ?? 60;
  const burst = options.burst ?? 20;
  const maxClients = options.maxClients ?? 10_000;
  const now = options.now ?? Date.now;
  for (const [key, value] of [
    ['perMinute', perMinute],
    ['burst', burst],
    ['maxClients', maxClients],
  ] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new ValidationError(`rate limit ${key} must be a positive number`, [{ path: key, message: 'must be > 0' }]);
    }
  }
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, Bucket>();

  const refill = (bucket: Bucket, t: number): void => {
    bucket.tokens = Math.min(burst, bucket.tokens + (t - bucket.at) * perMs);
    bucket.at = t;
  };

  const forgetFullest = (t: number): void => {
    // A full bucket holds no information: forgetting it changes nothing for that client.
    for (const [ip, bucket] of buckets) {
      refill(bucket, t);
      if (bucket.tokens >= burst) buckets.delete(ip);
    }
    // Still too many (a flood of distinct addresses): drop the oldest entries.
    for (const ip of buckets.keys()) {
      if (buckets.size < maxClients) break;
      buckets.delete(ip);
    }
  };

  return (req, res, next) => {
    const t = now();
    const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    let bucket = buckets.get(ip);
    if (!bucket) {
      if (buckets.size >= maxClients) forgetFullest(t);
      bucket = { tokens: burst, at: t };
      buckets.set(ip, bucket);
    }
    refill(bucket, t);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      next();
      return;
    }
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
    res.set('Retry-After', String(retryAfter));
    sendError(res, 429, 'RATE_LIMITED', `Too many requests from ${ip}: try again in ${retryAfter} s`, { retryAfterSeconds: retryAfter });
  };
}
