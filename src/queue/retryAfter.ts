/**
 * Reading an HTTP `Retry-After` header (RFC 9110 §10.2.3), for handlers that throw a
 * `RateLimitedError` on a 429 or 503.
 */

/**
 * The wait a `Retry-After` header value asks for, in milliseconds: delay-seconds (`120`)
 * or an HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`, measured from `now`; a past date
 * waits 0). Null when the value is absent or neither form.
 *
 * @example
 * ```ts
 * parseRetryAfter('120');                               // 120_000
 * parseRetryAfter(res.headers.get('retry-after')) ?? 30_000;
 * ```
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    return Number.isSafeInteger(seconds * 1000) ? seconds * 1000 : null;
  }
  // An HTTP date names its weekday and zone; Date.parse alone accepts far looser text.
  if (!/^[A-Za-z]{3},? /.test(text) || !/GMT$/.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
