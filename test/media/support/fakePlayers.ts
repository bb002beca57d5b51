/**
 * Test support: fake Kodi, Jellyfin and Plex servers, each a real HTTP server on its own
 * 127.0.0.1 port, that check what the real ones check and record every request.
 *
 * - Kodi: `POST /jsonrpc` only (405 otherwise); 415 without `Content-Type: application/json`;
 *   401 on missing/wrong basic auth; JSON-RPC 2.0 errors (HTTP 200) for bad JSON (-32700),
 *   unknown methods (-32601) and bad params (-32602). Its video library (scan, clean,
 *   refresh, remove, list, busy state, the scan toggle) is a {@link FakeKodiLibrary}:
 *   `players.kodi.library`. It stands in for Kodi in unit tests only; the real-Kodi suite
 *   (`npm run test:kodi`) judges the sync against a real Kodi 20.
 * - Jellyfin: by default only `Authorization: MediaBrowser Token="…"` is accepted, as
 *   Jellyfin 12 does (legacy `X-Emby-Token` / `api_key` answer 401 unless
 *   `jellyfin.legacyAuthorization`); `POST /Library/Media/Updated` needs a JSON body
 *   `{ Updates: [{ Path, UpdateType }] }` with UpdateType `Created`, `Modified` or
 *   `Deleted` (415/400 otherwise) and answers 204; `POST /Library/Refresh` 204. With
 *   `jellyfin.mediaUpdated: false` the first endpoint answers 404, like servers without it.
 * - Plex: token in `X-Plex-Token` header or query (401 otherwise); `GET /library/sections`
 *   lists the sections with their locations (JSON); `GET /library/sections/{id}/refresh[?path=]`
 *   answers 200, 404 for unknown sections.
 *
 * Each player has `config` (a ready `PlayerConfig` with the right credentials), `requests`,
 * `failNext(n, status | 'reset' | { rpcError })` and `failAlways(status | 'reset')`; `reset()`
 * clears records, failures and the Kodi library. `players.requests` holds every request of all three, in order.
 *
 * @example
 * ```ts
 * const players = await startFakePlayers();
 * await syncPlayer(players.kodi.config, { added: [movie], changed: [], removed: [] });
 * expect(players.kodi.library.list().map((m) => m.file)).toEqual([movie.videoFile]);
 * await players.close();
 * ```
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JellyfinPlayerConfig, KodiPlayerConfig, PlayerConfig, PlayerKind, PlexPlayerConfig } from '../../../src/media/types.js';
import { FakeKodiLibrary, type FakeKodiPathView } from './fakeKodiLibrary.js';

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
  kodi: FakePlayer<KodiPlayerConfig> & {
    rpcCalls(): { method: string; params: unknown }[];
    /** What the fake Kodi holds, and its scan behaviour. */
    library: FakeKodiLibrary;
    /** Runs before each JSON-RPC call is answered (e.g. to publish something mid-sync). */
    onRpc: ((method: string, params: Record<string, unknown>) => void | Promise<void>) | null;
  };
  jellyfin: FakePlayer<JellyfinPlayerConfig>;
  plex: FakePlayer<PlexPlayerConfig>;
  /** The three configs, e.g. for a host's `players` option. */
  configs: PlayerConfig[];
  /** Every request of every player, in arrival order. */
  requests: RecordedPlayerRequest[];
  /** Clears all records and failure settings, and Kodi's library unless `keepLibrary`. */
  reset(options?: { keepLibrary?: boolean }): void;
  close(): Promise<void>;
}

/** Options of {@link startFakePlayers}. */
export interface FakePlayersOptions {
  /** `paths`: how Kodi's paths lie on this disk (for path-mapping tests); identity by default. */
  kodi?: { username?: string; password?: string; paths?: FakeKodiPathView[] };
  /** `legacyAuthorization`: also accept `X-Emby-Token` (Jellyfin before 10.12 did). */
  jellyfin?: { apiKey?: string; mediaUpdated?: boolean; legacyAuthorization?: boolean };
  /** `sections`: what `GET /library/sections` lists (key and location folders). */
  plex?: { token?: string; sectionIds?: string[]; sections?: { key: string; type?: string; locations: string[] }[] };
}

const KODI_METHODS = new Set([
  'VideoLibrary.Scan',
  'VideoLibrary.Clean',
  'VideoLibrary.GetMovies',
  'VideoLibrary.RefreshMovie',
  'VideoLibrary.RemoveMovie',
  'VideoLibrary.GetTVShows',
  'VideoLibrary.GetEpisodes',
  'VideoLibrary.RefreshTVShow',
  'VideoLibrary.RefreshEpisode',
  'VideoLibrary.RemoveTVShow',
  'VideoLibrary.RemoveEpisode',
  'XBMC.GetInfoBooleans',
  'JSONRPC.Ping',
]);

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

function kodiAnswer(
  req: IncomingMessage,
  path: string,
  text: string,
  auth: { username: string; password: string },
  library: FakeKodiLibrary,
): Answer {
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
  const invalid: Answer = { status: 200, rpc, body: { jsonrpc: '2.0', id, error: { code: -32602, message: 'Invalid params.' } } };
  if (!KODI_METHODS.has(method)) {
    return { status: 200, rpc, body: { jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found.' } } };
  }
  const params = (call.params ?? {}) as Record<string, unknown>;
  const badParam =
    typeof params !== 'object' ||
    ('directory' in params && typeof params['directory'] !== 'string') ||
    ('showdialogs' in params && typeof params['showdialogs'] !== 'boolean') ||
    ('movieid' in params && !Number.isInteger(params['movieid'])) ||
    ('tvshowid' in params && !Number.isInteger(params['tvshowid'])) ||
    ('episodeid' in params && !Number.isInteger(params['episodeid']));
  if (badParam) return invalid;
  const ok = (result: unknown): Answer => ({ status: 200, rpc, body: { jsonrpc: '2.0', id, result } });
  switch (method) {
    case 'JSONRPC.Ping':
      return ok('pong');
    case 'XBMC.GetInfoBooleans':
      return ok({ 'Library.IsScanningVideo': library.isScanning() });
    case 'VideoLibrary.Scan':
      library.scan(String(params['directory'] ?? ''));
      return ok('OK');
    case 'VideoLibrary.Clean':
      library.clean(String(params['directory'] ?? ''));
      return ok('OK');
    case 'VideoLibrary.RefreshMovie':
      return library.refresh(Number(params['movieid'])) ? ok('OK') : invalid;
    case 'VideoLibrary.RemoveMovie':
      return library.remove(Number(params['movieid'])) ? ok('OK') : invalid;
    case 'VideoLibrary.RefreshTVShow':
      return library.refreshShow(Number(params['tvshowid'])) ? ok('OK') : invalid;
    case 'VideoLibrary.RefreshEpisode':
      return library.refreshEpisode(Number(params['episodeid'])) ? ok('OK') : invalid;
    case 'VideoLibrary.RemoveTVShow':
      return library.removeShow(Number(params['tvshowid'])) ? ok('OK') : invalid;
    case 'VideoLibrary.RemoveEpisode':
      return library.removeEpisode(Number(params['episodeid'])) ? ok('OK') : invalid;
    default: {
      const filter = params['filter'] as { field?: string; operator?: string; value?: string } | undefined;
      if (filter && (filter.field !== 'path' || filter.operator !== 'startswith' || typeof filter.value !== 'string')) return invalid;
      const [key, items]: [string, { title: string }[]] =
        method === 'VideoLibrary.GetTVShows'
          ? ['tvshows', library.listShows(filter?.value)]
          : method === 'VideoLibrary.GetEpisodes'
            ? ['episodes', library.listEpisodes(filter?.value)]
            : ['movies', library.list(filter?.value)];
      const list = items.map((item) => ({ ...item, label: item.title }));
      return ok({ limits: { start: 0, end: list.length, total: list.length }, ...(list.length > 0 ? { [key]: list } : {}) });
    }
  }
}

function jellyfinToken(headers: IncomingHttpHeaders, legacy: boolean): string | undefined {
  const modern = /^MediaBrowser\b.*\bToken="([^"]*)"/.exec(headers.authorization ?? '')?.[1];
  if (modern !== undefined) return modern;
  const direct = headers['x-emby-token'] ?? headers['x-mediabrowser-token'];
  return legacy && typeof direct === 'string' ? direct : undefined;
}

const UPDATE_TYPES = new Set(['Created', 'Modified', 'Deleted']);

function jellyfinAnswer(
  req: IncomingMessage,
  path: string,
  text: string,
  opts: { apiKey: string; mediaUpdated: boolean; legacyAuthorization: boolean },
): Answer {
  if (jellyfinToken(req.headers, opts.legacyAuthorization) !== opts.apiKey) return { status: 401 };
  if (path === '/Library/Refresh') return { status: req.method === 'POST' ? 204 : 405 };
  if (path !== '/Library/Media/Updated' || !opts.mediaUpdated) return { status: 404 };
  if (req.method !== 'POST') return { status: 405 };
  if (!isJson(req.headers)) return { status: 415 };
  const parsed = parseJson(text);
  const updates = parsed.ok ? (parsed.value as { Updates?: unknown } | null)?.Updates : undefined;
  const valid =
    Array.isArray(updates) &&
    updates.length > 0 &&
    updates.every((u) => {
      const update = u as { Path?: unknown; UpdateType?: unknown } | null;
      return typeof update?.Path === 'string' && UPDATE_TYPES.has(String(update.UpdateType));
    });
  return valid
    ? { status: 204 }
    : { status: 400, body: { error: 'Updates[].Path and Updates[].UpdateType (Created, Modified, Deleted) are required' } };
}

function plexAnswer(
  req: IncomingMessage,
  path: string,
  query: Record<string, string>,
  opts: { token: string; sectionIds: string[]; sections: { key: string; type?: string; locations: string[] }[] },
): Answer {
  const token = req.headers['x-plex-token'] ?? query['X-Plex-Token'];
  if (token !== opts.token) return { status: 401 };
  if (path === '/library/sections') {
    if (req.method !== 'GET') return { status: 405 };
    const Directory = opts.sections.map((s) => ({
      key: s.key,
      type: s.type ?? 'movie',
      title: `Section ${s.key}`,
      Location: s.locations.map((location, i) => ({ id: i + 1, path: location })),
    }));
    return { status: 200, body: { MediaContainer: { size: Directory.length, Directory } } };
  }
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
  const jellyfinOpts = {
    apiKey: options.jellyfin?.apiKey ?? 'jellyfin-key',
    mediaUpdated: options.jellyfin?.mediaUpdated ?? true,
    legacyAuthorization: options.jellyfin?.legacyAuthorization ?? false,
  };
  const plexSectionIds = options.plex?.sectionIds ?? ['1'];
  const plexOpts = {
    token: options.plex?.token ?? 'plex-token',
    sectionIds: plexSectionIds,
    sections: options.plex?.sections ?? plexSectionIds.map((key) => ({ key, locations: [] })),
  };
  const kodiLibrary = new FakeKodiLibrary(options.kodi?.paths ?? []);
  const kodiHook: { onRpc: FakePlayers['kodi']['onRpc'] } = { onRpc: null };
  const all: RecordedPlayerRequest[] = [];
  const failures = new Map<PlayerKind, { next: number; nextFailure: PlayerFailure; always: PlayerFailure | undefined }>();
  const servers: Server[] = [];
  const own = new Map<PlayerKind, RecordedPlayerRequest[]>();

  const start = async (
    kind: PlayerKind,
    answer: (req: IncomingMessage, path: string, query: Record<string, string>, text: string) => Answer,
  ) => {
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
        if (kind === 'kodi' && kodiHook.onRpc && parsed.ok) {
          const call = parsed.value as { method?: unknown; params?: unknown } | null;
          await kodiHook.onRpc(String(call?.method ?? ''), (call?.params ?? {}) as Record<string, unknown>);
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

  const kodi = await start('kodi', (req, path, _query, text) => kodiAnswer(req, path, text, kodiAuth, kodiLibrary));
  const jellyfin = await start('jellyfin', (req, path, _query, text) => jellyfinAnswer(req, path, text, jellyfinOpts));
  const plex = await start('plex', (req, path, query) => plexAnswer(req, path, query, plexOpts));

  const kodiConfig: KodiPlayerConfig = { kind: 'kodi', name: 'kodi', url: kodi.url, auth: kodiAuth };
  const jellyfinConfig: JellyfinPlayerConfig = {
    kind: 'jellyfin',
    name: 'jellyfin',
    url: jellyfin.url,
    auth: { apiKey: jellyfinOpts.apiKey },
  };
  const plexConfig: PlexPlayerConfig = {
    kind: 'plex',
    name: 'plex',
    url: plex.url,
    auth: { token: plexOpts.token, sectionId: plexSectionIds[0] ?? '1' },
  };

  return {
    kodi: {
      ...kodi,
      config: kodiConfig,
      ...controls('kodi'),
      rpcCalls: () => kodi.requests.filter((r) => r.rpcOk === true).map((r) => ({ method: r.rpcMethod ?? '', params: r.rpcParams })),
      library: kodiLibrary,
      get onRpc() {
        return kodiHook.onRpc;
      },
      set onRpc(hook) {
        kodiHook.onRpc = hook;
      },
    },
    jellyfin: { ...jellyfin, config: jellyfinConfig, ...controls('jellyfin') },
    plex: { ...plex, config: plexConfig, ...controls('plex') },
    configs: [kodiConfig, jellyfinConfig, plexConfig],
    requests: all,
    reset(options = {}) {
      if (!options.keepLibrary) kodiLibrary.reset();
      kodiHook.onRpc = null;
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
