/**
 * The test's own reading of Kodi's state over JSON-RPC, independent of the code under
 * test: the tests judge what Kodi lists, through a client the sync does not share.
 */

/** Where and how to reach a Kodi web server. */
export interface KodiEndpoint {
  url: string;
  username: string;
  password: string;
}

/** A JSON-RPC error answered by Kodi. */
export class KodiRpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
  ) {
    super(`${method}: ${message} (${code})`);
    this.name = 'KodiRpcError';
  }
}

let nextId = 1;

/** Calls one JSON-RPC method and returns its `result`. */
export async function kodiRpc<T = unknown>(
  kodi: KodiEndpoint,
  method: string,
  params: Record<string, unknown> = {},
  timeoutMs = 10_000,
): Promise<T> {
  const response = await fetch(`${kodi.url}/jsonrpc`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Basic ${Buffer.from(`${kodi.username}:${kodi.password}`).toString('base64')}`,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`${method}: HTTP ${response.status}`);
  const answer = (await response.json()) as { result?: T; error?: { code: number; message: string } };
  if (answer.error) throw new KodiRpcError(method, answer.error.code, answer.error.message);
  return answer.result as T;
}

/** One movie as Kodi lists it. */
export interface KodiMovie {
  movieid: number;
  title: string;
  originaltitle: string;
  plot: string;
  tagline: string;
  year: number;
  file: string;
  /** Kodi's artwork URLs (`image://<url-encoded path or URL>/`) by kind: poster, fanart, … */
  art: Record<string, string>;
  cast: { name: string; role: string; order: number; thumbnail?: string }[];
  ratings: Record<string, { default: boolean; rating: number; votes: number }>;
}

const MOVIE_PROPERTIES = ['title', 'originaltitle', 'plot', 'tagline', 'year', 'file', 'art', 'cast', 'ratings'];

/** Every movie Kodi holds (under `folder` when given, on Kodi's `path` field). */
export async function kodiMovies(kodi: KodiEndpoint, folder?: string): Promise<KodiMovie[]> {
  const params: Record<string, unknown> = { properties: MOVIE_PROPERTIES, sort: { method: 'file' } };
  if (folder !== undefined) params['filter'] = { field: 'path', operator: 'startswith', value: folder };
  const result = await kodiRpc<{ movies?: KodiMovie[] }>(kodi, 'VideoLibrary.GetMovies', params);
  return result.movies ?? [];
}

/** One TV show as Kodi lists it (for the TV-series tests). */
export interface KodiTvShow {
  tvshowid: number;
  title: string;
  plot: string;
  file: string;
  art: Record<string, string>;
}

/** Every TV show Kodi holds. */
export async function kodiTvShows(kodi: KodiEndpoint): Promise<KodiTvShow[]> {
  const result = await kodiRpc<{ tvshows?: KodiTvShow[] }>(kodi, 'VideoLibrary.GetTVShows', {
    properties: ['title', 'plot', 'file', 'art'],
  });
  return result.tvshows ?? [];
}

/** One episode as Kodi lists it. */
export interface KodiEpisode {
  episodeid: number;
  tvshowid: number;
  title: string;
  plot: string;
  season: number;
  episode: number;
  file: string;
  art: Record<string, string>;
}

/** Every episode of one show (or of all shows). */
export async function kodiEpisodes(kodi: KodiEndpoint, tvshowid?: number): Promise<KodiEpisode[]> {
  const result = await kodiRpc<{ episodes?: KodiEpisode[] }>(kodi, 'VideoLibrary.GetEpisodes', {
    ...(tvshowid === undefined ? {} : { tvshowid }),
    properties: ['title', 'plot', 'season', 'episode', 'file', 'art', 'tvshowid'],
  });
  return result.episodes ?? [];
}

/** One season of a show as Kodi lists it, with its artwork (the season poster). */
export interface KodiSeason {
  seasonid: number;
  season: number;
  title: string;
  art: Record<string, string>;
}

/** The seasons of one show. */
export async function kodiSeasons(kodi: KodiEndpoint, tvshowid: number): Promise<KodiSeason[]> {
  const result = await kodiRpc<{ seasons?: KodiSeason[] }>(kodi, 'VideoLibrary.GetSeasons', {
    tvshowid,
    properties: ['season', 'title', 'art'],
  });
  return result.seasons ?? [];
}

/** Whether Kodi is scanning or cleaning its video library right now. */
export async function kodiIsScanning(kodi: KodiEndpoint): Promise<boolean> {
  const result = await kodiRpc<Record<string, boolean>>(kodi, 'XBMC.GetInfoBooleans', { booleans: ['Library.IsScanningVideo'] });
  return result['Library.IsScanningVideo'] === true;
}

/**
 * The local file behind one of Kodi's artwork URLs: `image://%2fm%2fHeat%2fHeat-poster.jpg/`
 * → `/m/Heat/Heat-poster.jpg`. Remote artwork comes back as its URL.
 */
export function kodiArtSource(artUrl: string): string {
  const match = /^image:\/\/(.*)\/$/.exec(artUrl);
  return match ? decodeURIComponent(match[1] ?? '') : artUrl;
}
