/**
 * Test support: fake Kodi, Jellyfin and Plex servers, each a real HTTP server on its own
 * 127.0.0.1 port, that check what the real ones check and record every request.
 *
 * - Kodi: `POST /jsonrpc` only (405 otherwise); 415 without `Content-Type: application/json`;
 *   401 on missing/wrong basic auth; JSON-RPC 2.0 errors (HTTP 200) for bad JSON (-32700),
 *   unknown methods (-32601) and bad params (-32602); `VideoLibrary.Scan`/`Clean` answer
 *   `"OK"`, `JSONRPC.Ping` answers `"pong"`.
 * - Jellyfin: token in `X-Emby-Token`, `X-MediaBrowser-Token` or `Authorization: MediaBrowser
 *   Token="…"` (401 otherwise); `POST /Library/Media/Updated` needs a JSON body
 *   `{ Updates: [{ Path }] }` (415/400 otherwise) and answers 204; `POST /Library/Refresh` 204.
 *   With `jellyfin.mediaUpdated: false` the first endpoint answers 404, like servers without it.
 * - Plex: token in `X-Plex-Token` header or query (401 otherwise);
 *   `GET /library/sections/{id}/refresh[?path=]` answers 200, 404 for unknown sections.
 *
 * Each player has `config` (a ready `PlayerConfig` with the right credentials), `requests`,
 * `failNext(n, status | 'reset' | { rpcError })` and `failAlways(status | 'reset')`; `reset()`
 * clears records and failures. `players.requests` holds every request of all three, in order.
 *
 * @example
 * ```ts
 * const players = await startFakePlayers();
 * await notifyPlayer(players.kodi.config, { libraryPath: '/movies', cleanFirst: true });
 * expect(players.kodi.rpcCalls().map((c) => c.method)).toEqual(['VideoLibrary.Clean', 'VideoLibrary.Scan']);
 * await players.close();
 * ```
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JellyfinPlayerConfig, KodiPlayerConfig, PlayerConfig, PlayerKind, PlexPlayerConfig } from '../../../src/media/types.js';

/** One request a fake player received. */
export interface RecordedPlayerRequest {
  kind: PlayerKind;
  method: string;
  /** Path without the query. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, the raw text when it is not JSON, or null when empty. */
  body: unknown;
  /** Status answered; 0 when the connection was reset. */
  status: number;
  /** Kodi: JSON-RPC method and params of the call. */
  rpcMethod?: string;
  rpcParams?: unknown;
  /** Kodi: whether the JSON-RPC answer carried a `result` (false when it carried an `error`). */
  rpcOk?: boolean;
}

/** An injected failure: an HTTP status, a dropped connection, or (Kodi) a JSON-RPC error with HTTP 200. */
export type PlayerFailure = number | 'reset' | { rpcError: { code: number; message: string } };

/** Controls and records of one fake player. */
export interface FakePlayer<C extends PlayerConfig> {
  url: string;
  config: C;
  requests: RecordedPlayerRequest[];
  failNext(count: number, failure?: PlayerFailure): void;
  failAlways(failure?: PlayerFailure): void;
}

/** All three fakes. */
export interface FakePlayers {
  /** `rpcCalls()`: the JSON-RPC calls Kodi accepted (answered with a result), in order. */
  kodi: FakePlayer<KodiPlayerConfig> & { rpcCalls(): { method: string; params: unknown }[] };
  jellyfin: FakePlayer<JellyfinPlayerConfig>;
  plex: FakePlayer<PlexPlayerConfig>;
  /** The three configs, e.g. for a host's `players` option. */
  configs: PlayerConfig[];
  /** Every request of every player, in arrival order. */
  requests: RecordedPlayerRequest[];
  /** Clears all records and failure settings. */
  reset(): void;
  close(): Promise<void>;
}

/** Options of {@link startFakePlayers}. */
export interface FakePlayersOptions {
  kodi?: { username?: string; password?: string };
  jellyfin?: { apiKey?: string; mediaUpdated?: boolean };
  plex?: { token?: string; sectionIds?: string[] };
}

const KODI_METHODS = new Set(['VideoLibrary.Scan', 'VideoLibrary.Clean', 'JSONRPC.Ping']);

type Answer = { status: number; body?: unknown; rpc?: { method: string; params: unknown } };

function send(res: ServerResponse, answer: Answer): void {
  if (answer.body === undefined) {
    res.writeHead(answer.status).end();
    return;
  }
  res.writeHead(answer.status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(answer.body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function isJson(headers: IncomingHttpHeaders): boolean {
  return /^application\/json\b/i.test(headers['content-type'] ?? '');
}

function kodiAnswer(req: IncomingMessage, path: string, text: string, auth: { username: string; password: string }): Answer {
  if (path !== '/jsonrpc') return { status: 404 };
  if (req.method !== 'POST') return { status: 405 };
  if (!isJson(req.headers)) return { status: 415 };
  const expected = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  if (req.headers.authorization !== expected) return { status: 401 };
  const parsed = parseJson(text);
  if (!parsed.ok) return { status: 200, body: { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error.' } } };
  const call = parsed.value as { id?: unknown; method?: unknown; params?: unknown };
  const id = call.id ?? null;
  const method = typeof call.method === 'string' ? call.method : '';
  const rpc = { method, params: call.params };
  if (!KODI_METHODS.has(method)) {
    return { status: 200, rpc, body: { jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found.' } } };
  }
  const params = (call.params ?? {}) as Record<string, unknown>;
  const badParam =
    typeof params !== 'object' ||
    ('directory' in params && typeof params['directory'] !== 'string') ||
    ('showdialogs' in params && typeof params['showdialogs'] !== 'boolean');
  if (badParam) return { status: 200, rpc, body: { jsonrpc: '2.0', id, error: { code: -32602, message: 'Invalid params.' } } };
  return { status: 200, rpc, body: { jsonrpc: '2.0', id, result: method === 'JSONRPC.Ping' ? 'pong' : 'OK' } };
}

function jellyfinToken(headers: IncomingHttpHeaders): string | undefined {
  const direct = headers['x-emby-token'] ?? headers['x-mediabrowser-token'];
  if (typeof direct === 'string') return direct;
  return /Token="([^"]*)"/.exec(headers.authorization ?? '')?.[1];
}

function jellyfinAnswer(req: IncomingMessage, path: string, text: string, opts: { apiKey: string; mediaUpdated: boolean }): Answer {
  if (jellyfinToken(req.headers) !== opts.apiKey) return { status: 401 };
  if (path === '/Library/Refresh') return { status: req.method === 'POST' ? 204 : 405 };
  if (path !== '/Library/Media/Updated' || !opts.mediaUpdated) return { status: 404 };
  if (req.method !== 'POST') return { status: 405 };
  if (!isJson(req.headers)) return { status: 415 };
  const parsed = parseJson(text);
  const updates = parsed.ok ? (parsed.value as { Updates?: unknown } | null)?.Updates : undefined;
  const valid =
    Array.isArray(updates) &&
    updates.length > 0 &&
    updates.every((u) => typeof u === 'object' && u !== null && typeof (u as { Path?: unknown }).Path === 'string');
  return valid ? { status: 204 } : { status: 400, body: { error: 'Updates[].Path is required' } };
}

function plexAnswer(req: IncomingMessage, path: string, query: Record<string, string>, opts: { token: string; sectionIds: string[] }): Answer {
  const token = req.headers['x-plex-token'] ?? query['X-Plex-Token'];
  if (token !== opts.token) return { status: 401 };
  const match = /^\/library\/sections\/([^/]+)\/refresh$/.exec(path);
  if (!match) return { status: 404 };
  if (req.method !== 'GET') return { status: 405 };
  return opts.sectionIds.includes(decodeURIComponent(match[1] ?? '')) ? { status: 200 } : { status: 404 };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Starts the three fake players on 127.0.0.1, each on a random port. */
export async function startFakePlayers(options: FakePlayersOptions = {}): Promise<FakePlayers> {
  const kodiAuth = { username: options.kodi?.username ?? 'kodi', password: options.kodi?.password ?? 'kodi-secret' };
  const jellyfinOpts = { apiKey: options.jellyfin?.apiKey ?? 'jellyfin-key', mediaUpdated: options.jellyfin?.mediaUpdated ?? true };
  const plexOpts = { token: options.plex?.token ?? 'plex-token', sectionIds: options.plex?.sectionIds ?? ['1'] };
  const all: RecordedPlayerRequest[] = [];
  const failures = new Map<PlayerKind, { next: number; nextFailure: PlayerFailure; always: PlayerFailure | undefined }>();
  const servers: Server[] = [];
  const own = new Map<PlayerKind, RecordedPlayerRequest[]>();

  const start = async (kind: PlayerKind, answer: (req: IncomingMessage, path: string, query: Record<string, string>, text: string) => Answer) => {
    const requests: RecordedPlayerRequest[] = [];
    own.set(kind, requests);
    failures.set(kind, { next: 0, nextFailure: 500, always: undefined });
    const server = createServer((req, res) => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const query = Object.fromEntries(url.searchParams);
        const text = await readBody(req);
        const parsed = text === '' ? { ok: true as const, value: null } : parseJson(text);
        const record: RecordedPlayerRequest = {
          kind,
          method: req.method ?? '',
          path: url.pathname,
          query,
          headers: req.headers,
          body: parsed.ok ? parsed.value : text,
          status: 0,
        };
        requests.push(record);
        all.push(record);
        const failure = failures.get(kind);
        let injected: PlayerFailure | undefined = failure?.always;
        if (injected === undefined && failure && failure.next > 0) {
          failure.next -= 1;
          injected = failure.nextFailure;
        }
        let result = answer(req, url.pathname, query, text);
        if (result.rpc) {
          record.rpcMethod = result.rpc.method;
          record.rpcParams = result.rpc.params;
        }
        if (injected === 'reset') {
          req.socket.destroy();
          return;
        }
        if (typeof injected === 'number') result = { status: injected, body: { error: 'injected failure' } };
        else if (injected !== undefined) {
          const id = (parsed.ok ? (parsed.value as { id?: unknown } | null)?.id : null) ?? null;
          result = { status: 200, body: { jsonrpc: '2.0', id, error: injected.rpcError } };
        }
        record.status = result.status;
        if (record.rpcMethod !== undefined) {
          record.rpcOk = result.status === 200 && (result.body as { result?: unknown } | undefined)?.result !== undefined;
        }
        send(res, result);
      })().catch((error: unknown) => {
        // A fake that breaks must not hide it: answer 500 with the reason so the test sees it.
        res.writeHead(500).end(String(error));
      });
    });
    servers.push(server);
    return { url: await listen(server), requests };
  };

  const controls = (kind: PlayerKind) => ({
    failNext(count: number, failure: PlayerFailure = 500) {
      const state = failures.get(kind);
      if (state) Object.assign(state, { next: count, nextFailure: failure });
    },
    failAlways(failure: PlayerFailure = 500) {
      const state = failures.get(kind);
      if (state) state.always = failure;
    },
  });

  const kodi = await start('kodi', (req, path, _query, text) => kodiAnswer(req, path, text, kodiAuth));
  const jellyfin = await start('jellyfin', (req, path, _query, text) => jellyfinAnswer(req, path, text, jellyfinOpts));
  const plex = await start('plex', (req, path, query) => plexAnswer(req, path, query, plexOpts));

  const kodiConfig: KodiPlayerConfig = { kind: 'kodi', name: 'kodi', url: kodi.url, auth: kodiAuth };
  const jellyfinConfig: JellyfinPlayerConfig = { kind: 'jellyfin', name: 'jellyfin', url: jellyfin.url, auth: { apiKey: jellyfinOpts.apiKey } };
  const plexConfig: PlexPlayerConfig = {
    kind: 'plex',
    name: 'plex',
    url: plex.url,
    auth: { token: plexOpts.token, sectionId: plexOpts.sectionIds[0] ?? '1' },
  };

  return {
    kodi: {
      ...kodi,
      config: kodiConfig,
      ...controls('kodi'),
      rpcCalls: () =>
        kodi.requests
          .filter((r) => r.rpcOk === true)
          .map((r) => ({ method: r.rpcMethod ?? '', params: r.rpcParams })),
    },
    jellyfin: { ...jellyfin, config: jellyfinConfig, ...controls('jellyfin') },
    plex: { ...plex, config: plexConfig, ...controls('plex') },
    configs: [kodiConfig, jellyfinConfig, plexConfig],
    requests: all,
    reset() {
      all.length = 0;
      for (const list of own.values()) list.length = 0;
      for (const state of failures.values()) Object.assign(state, { next: 0, nextFailure: 500, always: undefined });
    },
    close: async () => {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve, reject) => {
              server.closeAllConnections();
              server.close((error) => (error ? reject(error) : resolve()));
            }),
        ),
      );
    },
  };
}
