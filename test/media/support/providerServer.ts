/**
 * Test support: a fake TMDB v3 API on 127.0.0.1 (random port), built from TMDB's
 * documentation rather than from what our client sends, and serving generated JPEG/PNG
 * artwork of the stated sizes. Point a provider at it with
 * `new TmdbProvider({ apiKey: server.apiKey, baseUrl: server.baseUrl })` (or
 * `server.readAccessToken`): image URLs come from its `/configuration`. Movies are served
 * by tmdbMovieRoutes.ts, TV shows by tmdbTvRoutes.ts; each names the pages it mirrors.
 *
 * What this file does, with the page it mirrors (D = https://developer.themoviedb.org):
 * - Auth, D/docs/authentication-application: `api_key` query parameter (v3 key) or
 *   `Authorization: Bearer` (API Read Access Token); anything else is 401 with
 *   status_code 7 "Invalid API key" (D/docs/errors).
 * - Errors, D/docs/errors: `{ success: false, status_code, status_message }`; unknown id
 *   34/404; rate limit 25/429 with a `Retry-After` header (D/docs/rate-limiting, and the
 *   older developers.themoviedb.org/3/getting-started/request-rate-limiting page that
 *   documents the header).
 * - `/find/{id}`, D/reference/find-by-id: `movie_results` and `tv_results` (empty arrays,
 *   status 200, for an id TMDB does not know); 422 without `external_source`.
 * - `/configuration`, D/reference/configuration-details and D/docs/image-basics: image
 *   `secure_base_url` and sizes; `/t/p/{size}/{file}` serves the image; an SVG file is
 *   also served as PNG under the same name with `.png` (SVGs are not resized).
 *
 * Failure injection (counts every request, API and image, unless `match` narrows it):
 * `failNext(n, { status?, match?, retryAfter? })`: the next n matching requests fail
 * (default 503; 401, 404, 429 get TMDB's bodies, 429 its `Retry-After`; `'reset'` destroys
 * the connection; `'hang'` never answers); `failAlways(...)` until `failNone()`.
 * Every request is recorded in `requests` (`{ method, path, query, status, auth }`).
 *
 * @example
 * ```ts
 * const server = await startProviderServer({ movies: makeProviderMovies(3), shows: TMDB_SHOWS });
 * server.failNext(2, { match: '/3/movie/' });
 * const tmdb = new TmdbProvider({ apiKey: server.readAccessToken, baseUrl: server.baseUrl });
 * await server.close();
 * ```
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeJpeg, makePng } from './images.js';
import { ERRORS, FakeImageStore, NOT_FOUND, type RouteAnswer } from './tmdbFake.js';
import { movieRoutes, type ProviderServerMovie } from './tmdbMovieRoutes.js';
import { tvRoutes, type ProviderServerShow } from './tmdbTvRoutes.js';

export type { FakeImage } from './tmdbFake.js';
export { makeProviderMovies, type FakeCollection, type FakeRelease, type ProviderServerMovie } from './tmdbMovieRoutes.js';
export type { FakeEpisode, FakeSeason, ProviderServerShow } from './tmdbTvRoutes.js';

/** One request the server received. */
export interface RecordedProviderRequest {
  method: string;
  /** Path without the query, e.g. `/3/movie/603`. */
  path: string;
  query: Record<string, string>;
  /** Status answered; 0 when the connection was reset or left hanging. */
  status: number;
  /** How the request authenticated itself. */
  auth: 'api_key' | 'bearer' | null;
}

/** Which requests a failure applies to: a path prefix or a pattern on the path. */
export interface FailureOptions {
  /** @default 503 */
  status?: number | 'reset' | 'hang';
  match?: string | RegExp;
  /** `Retry-After` of an injected 429. @default '1' */
  retryAfter?: string;
}

/** A running fake TMDB. */
export interface ProviderServer {
  /** `http://127.0.0.1:<port>/3` */
  baseUrl: string;
  /** `http://127.0.0.1:<port>/t/p/original`: where `/configuration` points image URLs. */
  imageBaseUrl: string;
  /** The v3 API key the server accepts (32 hexadecimal digits). */
  apiKey: string;
  /** The v4 API Read Access Token the server accepts (a JWT). */
  readAccessToken: string;
  requests: RecordedProviderRequest[];
  failNext(count: number, options?: FailureOptions): void;
  failAlways(options?: FailureOptions): void;
  failNone(): void;
  close(): Promise<void>;
}

/** A JWT-shaped token, as TMDB's API Read Access Tokens are. */
function makeToken(): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256' })}.${part({ aud: randomBytes(16).toString('hex'), scopes: ['api_read'], version: 1 })}.${randomBytes(32).toString('base64url')}`;
}

/** Starts the fake TMDB on 127.0.0.1 with a random port, serving `catalogue` (a list of movies, or movies and shows). */
export async function startProviderServer(
  catalogue: ProviderServerMovie[] | { movies?: ProviderServerMovie[]; shows?: ProviderServerShow[] },
  options: { apiKey?: string; readAccessToken?: string } = {},
): Promise<ProviderServer> {
  const movies = Array.isArray(catalogue) ? catalogue : (catalogue.movies ?? []);
  const shows = Array.isArray(catalogue) ? [] : (catalogue.shows ?? []);
  const apiKey = options.apiKey ?? randomBytes(16).toString('hex');
  const readAccessToken = options.readAccessToken ?? makeToken();
  const requests: RecordedProviderRequest[] = [];
  const images = new FakeImageStore();
  const imageBytes = new Map<string, Buffer>();
  const movieApi = movieRoutes(movies, images);
  const tvApi = tvRoutes(shows, images);
  let pending: (FailureOptions & { count: number }) | undefined;
  let always: FailureOptions | undefined;
  let origin = '';

  const matches = (match: string | RegExp | undefined, path: string) =>
    match === undefined || (typeof match === 'string' ? path.startsWith(match) : match.test(path));

  const route = (path: string, query: Record<string, string>, authorized: boolean): RouteAnswer | { image: string } => {
    const imageMatch = /^\/t\/p\/[a-z0-9]+(\/.+)$/.exec(path);
    if (imageMatch) return { image: imageMatch[1] ?? '' };
    if (!path.startsWith('/3/')) return NOT_FOUND;
    if (!authorized) return { status: 401, body: { success: false, ...ERRORS[401] } };
    const language = query['language'];
    if (path === '/3/configuration') {
      return {
        status: 200,
        body: {
          images: {
            base_url: `${origin}/t/p/`,
            secure_base_url: `${origin}/t/p/`,
            backdrop_sizes: ['w300', 'w780', 'w1280', 'original'],
            logo_sizes: ['w45', 'w92', 'w154', 'w185', 'w300', 'w500', 'original'],
            poster_sizes: ['w92', 'w154', 'w185', 'w342', 'w500', 'w780', 'original'],
            profile_sizes: ['w45', 'w185', 'h632', 'original'],
            still_sizes: ['w92', 'w185', 'w300', 'original'],
          },
          change_keys: [],
        },
      };
    }
    const find = /^\/3\/find\/([^/]+)$/.exec(path);
    if (find) {
      const source = query['external_source'];
      if (source === undefined)
        return {
          status: 422,
          body: { success: false, status_code: 5, status_message: 'Invalid parameters: Your request parameters are incorrect.' },
        };
      const id = decodeURIComponent(find[1] ?? '');
      const body = {
        movie_results: movieApi.find(source, id, language),
        person_results: [],
        tv_results: tvApi.find(source, id, language),
        tv_episode_results: [],
        tv_season_results: [],
      };
      return { status: 200, body };
    }
    return movieApi.route(path, query) ?? tvApi.route(path, query) ?? NOT_FOUND;
  };

  const sendJson = (
    res: ServerResponse,
    record: RecordedProviderRequest,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void => {
    record.status = status;
    res.writeHead(status, { 'Content-Type': 'application/json;charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const auth = bearer !== undefined ? 'bearer' : query['api_key'] !== undefined ? 'api_key' : null;
    const authorized = bearer === readAccessToken || (bearer === undefined && query['api_key'] === apiKey);
    const record: RecordedProviderRequest = { method: req.method ?? 'GET', path: url.pathname, query, status: 0, auth };
    requests.push(record);
    let failure: FailureOptions | undefined;
    if (always && matches(always.match, url.pathname)) failure = always;
    else if (pending && pending.count > 0 && matches(pending.match, url.pathname)) {
      pending.count -= 1;
      failure = pending;
    }
    if (failure?.status === 'reset') {
      req.socket.destroy();
      return;
    }
    if (failure?.status === 'hang') return; // closeAllConnections() ends it
    if (failure !== undefined) {
      const status = failure.status ?? 503;
      const body = {
        success: false,
        ...(ERRORS[status] ?? { status_code: 11, status_message: 'Internal error: Something went wrong, contact TMDB.' }),
      };
      sendJson(res, record, status, body, status === 429 ? { 'Retry-After': failure.retryAfter ?? '1' } : {});
      return;
    }
    if (record.method !== 'GET') {
      record.status = 405;
      res.writeHead(405).end();
      return;
    }
    const answer = route(url.pathname, query, authorized);
    if ('image' in answer) {
      const image = images.files.get(answer.image);
      if (!image) {
        record.status = 404;
        res.writeHead(404).end();
        return;
      }
      let bytes = imageBytes.get(answer.image);
      if (!bytes) {
        bytes =
          image.format === 'svg'
            ? Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${image.width}" height="${image.height}"/>`)
            : image.format === 'png'
              ? makePng(image.width, image.height)
              : makeJpeg(image.width, image.height);
        imageBytes.set(answer.image, bytes);
      }
      record.status = 200;
      const type = { svg: 'image/svg+xml', png: 'image/png', jpg: 'image/jpeg' }[image.format];
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': bytes.length });
      res.end(bytes);
      return;
    }
    sendJson(res, record, answer.status, answer.body);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    baseUrl: `${origin}/3`,
    imageBaseUrl: `${origin}/t/p/original`,
    apiKey,
    readAccessToken,
    requests,
    failNext(count, failure = {}) {
      pending = { ...failure, count };
    },
    failAlways(failure = {}) {
      always = failure;
    },
    failNone() {
      pending = undefined;
      always = undefined;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
