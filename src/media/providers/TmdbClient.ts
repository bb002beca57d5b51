/**
 * The HTTP side of TMDB's v3 API, shared by every TMDB provider (movies today, series
 * later): the credential, a timeout per request, rate limits, the `/configuration` answer
 * that image URLs are built from, and TMDB's errors turned into `ProviderError`s.
 *
 * - Credentials (https://developer.themoviedb.org/docs/authentication-application): a v3
 *   API key is sent as the `api_key` query parameter, a v4 API Read Access Token (the one
 *   TMDB's account page shows first) as `Authorization: Bearer`. They are told apart by
 *   shape. A 401 is final: the client remembers it and refuses every later call without
 *   asking again, and calls made while the very first answer is awaited wait for it, so a
 *   wrong credential costs one request however many jobs run at once.
 * - Rate limits (https://developer.themoviedb.org/docs/rate-limiting): a 429 is retried
 *   after its `Retry-After`, a few times and only for waits up to `maxRetryAfterMs`; the
 *   wait ends early when the caller's signal aborts.
 * - Image URLs (https://developer.themoviedb.org/docs/image-basics): `secure_base_url`
 *   + size + file path, with the base URL and sizes read from `/configuration` once per
 *   client. SVG files are asked for as PNG, which TMDB renders for any size.
 */
import type { z } from 'zod';
import { ValidationError } from '../../index.js';
import { ProviderCredentialsError, ProviderError } from '../errors.js';
import { type TmdbConfiguration, tmdbConfigurationSchema } from './tmdbSchemas.js';

/** `'api-key'` (v3, 32 hexadecimal digits) or `'read-access-token'` (v4, a JWT). */
export type TmdbCredentialKind = 'api-key' | 'read-access-token';

/** Options of {@link TmdbClient}. */
export interface TmdbClientOptions {
  /**
   * A v3 API key (32 hexadecimal digits) or a v4 API Read Access Token (three dot-separated
   * parts beginning `eyJ`), as shown on TMDB's API settings page; a leading `Bearer ` and
   * surrounding spaces are ignored. Never logged or put in errors.
   */
  credential: string;
  /** API root. @default 'https://api.themoviedb.org/3' */
  baseUrl?: string;
  /**
   * Prefix of image URLs, size segment included (`https://image.tmdb.org/t/p/original`).
   * When given, `/configuration` is not read. @default read from `/configuration`
   */
  imageBaseUrl?: string;
  /** Milliseconds one request (answer and body) may take before it fails as a network error. @default 10_000 */
  timeoutMs?: number;
  /**
   * Longest `Retry-After` a rate-limited call waits before trying again (up to 3 times); a
   * longer one fails the call at once with a transient 429, so the job's retries take over.
   * @default 30_000
   */
  maxRetryAfterMs?: number;
  /** Provider name in errors. @default 'tmdb' */
  name?: string;
}

/** Default of {@link TmdbClientOptions.baseUrl}. */
export const TMDB_DEFAULT_BASE_URL = 'https://api.themoviedb.org/3';
/** Default of {@link TmdbClientOptions.timeoutMs}. */
export const TMDB_DEFAULT_TIMEOUT_MS = 10_000;
/** Default of {@link TmdbClientOptions.maxRetryAfterMs}. */
export const TMDB_DEFAULT_MAX_RETRY_AFTER_MS = 30_000;

/** How many 429 answers one call sits out before giving up. */
const RATE_LIMIT_RETRIES = 3;
/** Wait when a 429 names none (TMDB documents the header, a proxy may drop it). */
const DEFAULT_RETRY_AFTER_MS = 1000;

/** Image kinds, each with its own list of sizes in `/configuration`. */
export type TmdbImageKind = 'poster' | 'backdrop' | 'logo' | 'profile' | 'still';

const CREDENTIAL_NAMES: Record<TmdbCredentialKind, string> = {
  'api-key': 'v3 API key (sent as api_key)',
  'read-access-token': 'v4 API Read Access Token (sent as Authorization: Bearer)',
};

/**
 * Tells a v3 API key from a v4 API Read Access Token by its shape.
 *
 * @throws ValidationError (path `apiKey`) when the text is neither
 * @example
 * ```ts
 * tmdbCredential('0123456789abcdef0123456789abcdef').kind; // 'api-key'
 * tmdbCredential('eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiIxIn0.c2ln').kind; // 'read-access-token'
 * ```
 */
export function tmdbCredential(text: string): { kind: TmdbCredentialKind; value: string } {
  const value = typeof text === 'string' ? text.trim().replace(/^Bearer\s+/i, '') : '';
  if (/^[0-9a-f]{32}$/i.test(value)) return { kind: 'api-key', value };
  if (/^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(value)) return { kind: 'read-access-token', value };
  const message =
    'must be a TMDB v3 API key (32 hexadecimal digits) or a v4 API Read Access Token (three dot-separated parts beginning "eyJ")';
  throw new ValidationError(`TMDB credential ${message}`, [{ path: 'apiKey', message }]);
}

/** TMDB's own explanation of an error (`{"status_message": "Invalid API key"}`), when the body has one. */
function statusMessageOf(text: string): string | null {
  try {
    const message = (JSON.parse(text) as { status_message?: unknown } | null)?.status_message;
    return typeof message === 'string' ? message : null;
  } catch {
    // Proxies answer errors with HTML; the status alone then tells what happened.
    return null;
  }
}

/** Milliseconds a `Retry-After` header asks for: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (header === null || header.trim() === '') return DEFAULT_RETRY_AFTER_MS;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, date - now);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Waits for `promise` unless `signal` aborts first (the promise is left to settle alone). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Marks the abort of a request whose time ran out, as opposed to the caller's abort. */
class RequestTimeout extends Error {}

/**
 * TMDB v3 client: `get` a path, validated by a zod schema; `imageUrl` for file paths.
 *
 * @example
 * ```ts
 * const client = new TmdbClient({ credential: process.env.TMDB_API_KEY! });
 * const movie = await client.get('/movie/603', { language: 'de' }, tmdbMovieSummarySchema, signal);
 * const poster = await client.imageUrl('/poster.jpg', 'poster', signal);
 * ```
 */
export class TmdbClient {
  /** Provider name used in errors. */
  readonly name: string;
  /** Which kind of credential this client sends. */
  readonly credentialKind: TmdbCredentialKind;
  readonly #credential: string;
  readonly #baseUrl: string;
  readonly #imageBaseUrl: string | undefined;
  readonly #timeoutMs: number;
  readonly #maxRetryAfterMs: number;
  /** Why TMDB refused the credential (the first 401): every later call fails with it, without a request. */
  #refusal: string | null = null;
  /** True once TMDB answered anything but 401: the credential is good. */
  #accepted = false;
  /** The first request while the credential is unproven; other calls wait for its verdict. */
  #probe: Promise<void> | null = null;
  #configuration: Promise<TmdbConfiguration> | null = null;

  constructor(options: TmdbClientOptions) {
    const credential = tmdbCredential(options.credential);
    this.credentialKind = credential.kind;
    this.#credential = credential.value;
    this.name = options.name ?? 'tmdb';
    this.#baseUrl = (options.baseUrl ?? TMDB_DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.#imageBaseUrl = options.imageBaseUrl?.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? TMDB_DEFAULT_TIMEOUT_MS;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? TMDB_DEFAULT_MAX_RETRY_AFTER_MS;
    for (const [key, value] of [
      ['timeoutMs', this.#timeoutMs],
      ['maxRetryAfterMs', this.#maxRetryAfterMs],
    ] as const) {
      if (!Number.isFinite(value) || value < 0) {
        throw new ValidationError(`TMDB ${key} must be a number of milliseconds, 0 or more`, [
          { path: key, message: 'must be a finite number, 0 or more' },
        ]);
      }
    }
  }

  /**
   * `GET <baseUrl><apiPath>?<params>`, the answer validated by `schema`.
   *
   * @throws ProviderCredentialsError on 401 (and on every call after one)
   * @throws ProviderError for network errors, timeouts, other non-2xx answers and answers of the wrong shape
   * @throws the signal's reason when `signal` aborts
   */
  async get<T>(apiPath: string, params: Record<string, string>, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const { status, text, retryAfter } = await this.#send(apiPath, params, signal);
      if (status === 429 && attempt < RATE_LIMIT_RETRIES) {
        const wait = retryAfterMs(retryAfter);
        if (wait <= this.#maxRetryAfterMs) {
          await sleep(wait, signal);
          continue;
        }
      }
      if (status < 200 || status > 299) {
        throw new ProviderError(this.name, apiPath, status, statusMessageOf(text) ?? 'request refused');
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (error) {
        throw new ProviderError(this.name, apiPath, status, 'the answer is not JSON', { cause: error });
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown';
        throw new ProviderError(this.name, apiPath, status, `unexpected answer (${where})`, { cause: parsed.error });
      }
      return parsed.data;
    }
  }

  /**
   * Full URL of an image `file_path` at the largest size (`original` when `/configuration`
   * lists it). SVG files are asked for as PNG: TMDB renders them, and players show PNG.
   */
  async imageUrl(filePath: string, kind: TmdbImageKind, signal?: AbortSignal): Promise<string> {
    const file = filePath.replace(/\.svg$/i, '.png');
    if (this.#imageBaseUrl !== undefined) return this.#imageBaseUrl + file;
    const { images } = await this.configuration(signal);
    const sizes = images[`${kind}_sizes`] ?? [];
    const size = sizes.includes('original') ? 'original' : (sizes.at(-1) ?? 'original');
    return `${images.secure_base_url.replace(/\/+$/, '')}/${size}${file}`;
  }

  /**
   * `GET /configuration`, read once per client and shared by concurrent callers (each may
   * stop waiting with its own signal); a failed read is tried again by the next call.
   */
  configuration(signal?: AbortSignal): Promise<TmdbConfiguration> {
    if (!this.#configuration) {
      const pending = this.get('/configuration', {}, tmdbConfigurationSchema);
      this.#configuration = pending;
      pending.catch(() => {
        if (this.#configuration === pending) this.#configuration = null;
      });
    }
    return abortable(this.#configuration, signal);
  }

  /** One HTTP exchange: credential checks, auth, timeout. Resolves with the status and body text. */
  async #send(
    apiPath: string,
    params: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<{ status: number; text: string; retryAfter: string | null }> {
    // While the credential is unproven, one request asks and the others wait for its answer.
    while (!this.#accepted && this.#probe && this.#refusal === null) await abortable(this.#probe, signal);
    if (this.#refusal !== null) throw new ProviderCredentialsError(this.name, apiPath, this.#refusal);
    let endProbe: (() => void) | undefined;
    if (!this.#accepted) this.#probe = new Promise<void>((resolve) => (endProbe = resolve));
    try {
      const answer = await this.#exchange(apiPath, params, signal);
      if (answer.status === 401) {
        this.#refusal ??= `TMDB refused the ${CREDENTIAL_NAMES[this.credentialKind]}: ${statusMessageOf(answer.text) ?? 'unauthorized'}`;
        throw new ProviderCredentialsError(this.name, apiPath, this.#refusal);
      }
      this.#accepted = true;
      return answer;
    } finally {
      if (endProbe) {
        this.#probe = null;
        endProbe();
      }
    }
  }

  async #exchange(
    apiPath: string,
    params: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<{ status: number; text: string; retryAfter: string | null }> {
    const url = new URL(this.#baseUrl + apiPath);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.credentialKind === 'api-key') url.searchParams.set('api_key', this.#credential);
    else headers['Authorization'] = `Bearer ${this.#credential}`;

    // One controller for the caller's signal and the timeout, covering answer and body.
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) controller.abort(signal.reason);
    const timer = setTimeout(() => controller.abort(new RequestTimeout()), this.#timeoutMs);
    const failed = (error: unknown, status: number | null, what: string): Error => {
      if (signal?.aborted) return signal.reason as Error;
      if (controller.signal.reason instanceof RequestTimeout) {
        return new ProviderError(this.name, apiPath, status, `no answer within ${this.#timeoutMs} ms`, { cause: error });
      }
      return new ProviderError(this.name, apiPath, status, `${what}: ${(error as Error).message}`, { cause: error });
    };
    try {
      let response: Response;
      try {
        response = await fetch(url, { signal: controller.signal, headers });
      } catch (error) {
        throw failed(error, null, 'network error');
      }
      try {
        return { status: response.status, text: await response.text(), retryAfter: response.headers.get('retry-after') };
      } catch (error) {
        // No status on the error: a cut connection is worth retrying whatever the status said.
        throw failed(error, null, `connection lost after HTTP ${response.status}`);
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
