/**
 * TmdbClient against the fake TMDB: both credentials, a refused one asked about once, the
 * rate limit's Retry-After, the per-request timeout and the `/configuration` read once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { ProviderCredentialsError, ProviderError } from '../../../src/media/errors.js';
import { TmdbClient, retryAfterMs, tmdbCredential } from '../../../src/media/providers/TmdbClient.js';
import { tmdbMovieSummarySchema, tmdbSearchSchema } from '../../../src/media/providers/tmdbSchemas.js';
import { imageSize } from '../support/images.js';
import { type ProviderServer, startProviderServer } from '../support/providerServer.js';

let server: ProviderServer;
beforeAll(async () => {
  server = await startProviderServer([{ id: 603, title: 'The Matrix', year: 1999, logos: [{ width: 800, height: 300, format: 'svg' }] }]);
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.failNone();
  server.requests.length = 0;
});

const matrix = (client: TmdbClient, signal?: AbortSignal) => client.get('/movie/603', {}, tmdbMovieSummarySchema, signal);

describe('credentials', () => {
  it('tells a v3 API key from a v4 API Read Access Token by shape, and refuses anything else', () => {
    expect(tmdbCredential('0123456789ABCDEF0123456789abcdef')).toEqual({ kind: 'api-key', value: '0123456789ABCDEF0123456789abcdef' });
    // Pasted with the header's "Bearer " and a trailing newline: still the token.
    expect(tmdbCredential(`Bearer ${server.readAccessToken}\n`)).toEqual({ kind: 'read-access-token', value: server.readAccessToken });
    for (const bad of ['', 'test-api-key', '0123456789abcdef', 'eyJonlyonepart']) {
      const error = (() => {
        try {
          return tmdbCredential(bad);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([{ path: 'apiKey', message: expect.stringContaining('v3 API key') }]);
    }
  });

  it('sends the v3 key as api_key and the token as Authorization: Bearer, never both', async () => {
    await matrix(new TmdbClient({ credential: server.apiKey, baseUrl: server.baseUrl }));
    await matrix(new TmdbClient({ credential: server.readAccessToken, baseUrl: server.baseUrl }));
    expect(server.requests.map((r) => [r.auth, r.status, r.query['api_key']])).toEqual([
      ['api_key', 200, server.apiKey],
      ['bearer', 200, undefined],
    ]);
  });

  it('a refused credential fails with ProviderCredentialsError naming its kind, and is never sent again', async () => {
    const wrongKey = 'ffffffffffffffffffffffffffffffff';
    const client = new TmdbClient({ credential: wrongKey, baseUrl: server.baseUrl });
    const first = await matrix(client).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(ProviderCredentialsError);
    expect(first).toMatchObject({ status: 401, transient: false, code: 'PROVIDER_CREDENTIALS', provider: 'tmdb' });
    expect((first as Error).message).toBe(
      'tmdb: TMDB refused the v3 API key (sent as api_key): Invalid API key: You must be granted a valid key. (/movie/603, HTTP 401)',
    );
    expect((first as Error).message).not.toContain(wrongKey);
    const second = await client.get('/search/movie', { query: 'x' }, tmdbSearchSchema).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(ProviderCredentialsError);
    expect((second as Error).message).toContain('(/search/movie, HTTP 401)');
    expect(server.requests).toHaveLength(1);

    const token = await matrix(new TmdbClient({ credential: `${server.readAccessToken}x`, baseUrl: server.baseUrl })).catch(
      (e: unknown) => e,
    );
    expect((token as Error).message).toContain('TMDB refused the v4 API Read Access Token (sent as Authorization: Bearer)');
  });

  it('calls made while the first answer is awaited wait for it: a wrong credential costs one request', async () => {
    const client = new TmdbClient({ credential: 'ffffffffffffffffffffffffffffffff', baseUrl: server.baseUrl });
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => matrix(client)));
    expect(outcomes.map((o) => o.status === 'rejected' && o.reason instanceof ProviderCredentialsError)).toEqual(Array(6).fill(true));
    expect(server.requests).toHaveLength(1);

    // With a good credential all of them are answered once the first one proved it.
    const good = new TmdbClient({ credential: server.apiKey, baseUrl: server.baseUrl });
    const answers = await Promise.all(Array.from({ length: 6 }, () => matrix(good)));
    expect(answers.map((a) => a.id)).toEqual(Array(6).fill(603));
    expect(server.requests).toHaveLength(7);
  });

  it('a network error proves nothing: the next call asks again', async () => {
    const client = new TmdbClient({ credential: server.apiKey, baseUrl: server.baseUrl });
    server.failNext(1, { status: 'reset' });
    const [failed, answered] = await Promise.allSettled([matrix(client), matrix(client)]);
    expect(failed).toMatchObject({ status: 'rejected', reason: { status: null, transient: true } });
    expect(answered).toMatchObject({ status: 'fulfilled', value: { id: 603 } });
  });
});

describe('rate limits', () => {
  it('waits out a 429 for its Retry-After, then asks again', async () => {
    const client = new TmdbClient({ credential: server.apiKey, baseUrl: server.baseUrl });
    server.failNext(1, { status: 429, retryAfter: '1', match: '/3/movie/' });
    const times: number[] = [];
    const started = Date.now();
    const movie = await matrix(client);
    times.push(Date.now() - started);
    expect(movie.id).toBe(603);
    expect(server.requests.map((r) => r.status)).toEqual([429, 200]);
    // The retry came no earlier than the header asked.
    expect(times[0]).toBeGreaterThanOrEqual(1000);
  });

  it('gives up with a transient 429 when Retry-After is longer than maxRetryAfterMs, or after three waits', async () => {
    const client = new TmdbClient({ credential: server.apiKey, baseUrl: server.baseUrl, maxRetryAfterMs: 5000 });
    server.failNext(1, { status: 429, retryAfter: '3600' });
    const long = await matrix(client).catch((e: unknown) => e);
    expect(long).toBeInstanceOf(ProviderError);
    expect(long).toMatchObject({ status: 429, transient: true });
    expect((long as Error).message).toContain('over the allowed limit');
    expect(server.requests).toHaveLength(1);

    server.requests.length = 0;
    server.failAlways({ status: 429, retryAfter: '0' });
    const persistent = await matrix(client).catch((e: unknown) => e);
    expect(persistent).toMatchObject({ status: 429, transient: true });
    expect(server.requests).toHaveLength(4);
  });

  it('stops waiting as soon as the job is aborted', async () => {
    const client = new TmdbClient({ credential: server.apiKey, baseUrl: server.baseUrl });
    server.failNext(1, { status: 429, retryAfter: '20' });
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    const pending = matrix(client, controller.signal).catch((e: unknown) => e);
    while (server.requests.length === 0 || server.requests[0]?.status === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort(reason);
    expect(await pending).toBe(reason);
    expect(server.requests).toHaveLength(1);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs('Wed, 01 Jan 2025 00:00:03 GMT', now)).toBe(3000);
    expect(retryAfterMs('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs(null, now)).toBe(1000);
    expect(retryAfterMs('soon', now)).toBe(1000);
  });
});

describe('timeouts', () => {
  it('a request that gets no answer fails after timeoutMs as a transient ProviderError', async () => {
    const client = new TmdbClient({ credential: server.apiKey, baseUrl: server.baseUrl, timeoutMs: 200 });
    server.failNext(1, { status: 'hang' });
    const error = await matrix(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: null, transient: true, path: '/movie/603' });
    expect((error as Error).message).toContain('no answer within 200 ms');
    expect((await matrix(client)).id).toBe(603);
  });

  it('refuses a timeout that is not a number of milliseconds', () => {
    expect(() => new TmdbClient({ credential: server.apiKey, timeoutMs: Number.NaN })).toThrow(ValidationError);
    expect(() => new TmdbClient({ credential: server.apiKey, maxRetryAfterMs: -1 })).toThrow(/maxRetryAfterMs/);
  });
});

describe('image URLs', () => {
  it('builds them from /configuration, read once, and asks for SVG files as PNG', async () => {
    const client = new TmdbClient({ credential: server.readAccessToken, baseUrl: server.baseUrl });
    const [poster, logo, photo] = await Promise.all([
      client.imageUrl('/poster.jpg', 'poster'),
      client.imageUrl('/603-logo-0-800x300.svg', 'logo'),
      client.imageUrl('/face.jpg', 'profile'),
    ]);
    const origin = new URL(server.baseUrl).origin;
    expect([poster, logo, photo]).toEqual([
      `${origin}/t/p/original/poster.jpg`,
      `${origin}/t/p/original/603-logo-0-800x300.png`,
      `${origin}/t/p/original/face.jpg`,
    ]);
    await client.imageUrl('/again.jpg', 'backdrop');
    expect(server.requests.filter((r) => r.path === '/3/configuration')).toHaveLength(1);
    const png = await fetch(logo);
    expect(imageSize(new Uint8Array(await png.arrayBuffer()))).toEqual({ format: 'png', width: 800, height: 300 });
  });

  it('a failed /configuration read is tried again by the next call; imageBaseUrl skips it', async () => {
    const client = new TmdbClient({ credential: server.apiKey, baseUrl: server.baseUrl });
    server.failNext(1, { status: 503, match: '/3/configuration' });
    await expect(client.imageUrl('/a.jpg', 'poster')).rejects.toMatchObject({ status: 503 });
    expect(await client.imageUrl('/a.jpg', 'poster')).toMatch(/\/t\/p\/original\/a\.jpg$/);
    server.requests.length = 0;
    const fixed = new TmdbClient({ credential: server.apiKey, baseUrl: server.baseUrl, imageBaseUrl: 'https://img.example/t/p/w500/' });
    expect(await fixed.imageUrl('/a.svg', 'logo')).toBe('https://img.example/t/p/w500/a.png');
    expect(server.requests).toEqual([]);
  });
});
