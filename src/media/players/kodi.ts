/**
 * Kodi: JSON-RPC 2.0 over HTTP (`POST /jsonrpc`, `Content-Type: application/json`, basic
 * auth). Scan and Clean answer "OK" at once and run in the background.
 */
import { PlayerError } from '../errors.js';
import type { KodiPlayerConfig, NotifyRequest, NotifyResult, PlayerCall } from '../types.js';
import { playerFetch } from './http.js';
import { mapPath, parentDirectory, withTrailingSeparator } from './pathMap.js';

const RPC_PATH = '/jsonrpc';

/** What Kodi will be asked to scan for a notification. */
export interface KodiScanTarget {
  /** Directory sent to `VideoLibrary.Scan`, in Kodi's notation, ending with a separator. */
  directory: string;
}

/**
 * The directory Kodi should scan. Kodi skips `VideoLibrary.Scan` on a brand-new movie
 * folder it has never listed, but picks the folder up when its parent (the source folder)
 * is scanned: so a movie folder is scanned through its parent, and a library root as is.
 */
export function kodiScanDirectory(config: KodiPlayerConfig, request: Pick<NotifyRequest, 'libraryPath' | 'moviePath'>): string {
  if (request.moviePath !== undefined) return parentDirectory(mapPath(request.moviePath, config.pathMap));
  return withTrailingSeparator(mapPath(request.libraryPath, config.pathMap));
}

let nextId = 1;

/** Calls one JSON-RPC method and checks both the HTTP status and the JSON-RPC `error` member. */
async function callRpc(
  config: KodiPlayerConfig,
  method: string,
  params: Record<string, unknown>,
  signal: AbortSignal | undefined,
): Promise<PlayerCall> {
  const id = nextId++;
  const credentials = Buffer.from(`${config.auth.username}:${config.auth.password}`, 'utf8').toString('base64');
  const response = await playerFetch(
    config.name,
    config.url,
    RPC_PATH,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Basic ${credentials}` },
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
    },
    signal,
  );
  let answer: unknown;
  try {
    answer = await response.json();
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new PlayerError(config.name, RPC_PATH, response.status, `${method}: the answer is not JSON`, { cause: error });
  }
  if (typeof answer !== 'object' || answer === null) {
    throw new PlayerError(config.name, RPC_PATH, response.status, `${method}: the answer is not a JSON-RPC object`);
  }
  const { error, result } = answer as { error?: { code?: unknown; message?: unknown }; result?: unknown };
  if (error !== undefined) {
    const rpcError = { code: Number(error?.code ?? 0), message: String(error?.message ?? 'unknown error') };
    throw new PlayerError(config.name, RPC_PATH, response.status, `${method} failed: ${rpcError.message} (${rpcError.code})`, {
      rpcError,
    });
  }
  if (result === undefined) {
    throw new PlayerError(config.name, RPC_PATH, response.status, `${method}: the answer has neither result nor error`);
  }
  return { method: 'POST', path: RPC_PATH, status: response.status, rpcMethod: method };
}

/**
 * Tells Kodi to pick up changes: `VideoLibrary.Clean` first when `cleanFirst` (a global
 * clean: the `directory` parameter of Clean is missing from older Kodi versions), then
 * `VideoLibrary.Scan` of {@link kodiScanDirectory}. Dialogs are suppressed on the TV.
 *
 * @throws PlayerError on network errors, non-2xx statuses (401 bad credentials, 415) and JSON-RPC errors.
 */
export async function notifyKodi(config: KodiPlayerConfig, request: NotifyRequest, signal?: AbortSignal): Promise<NotifyResult> {
  const directory = kodiScanDirectory(config, request);
  const calls: PlayerCall[] = [];
  if (request.cleanFirst) calls.push(await callRpc(config, 'VideoLibrary.Clean', { showdialogs: false }, signal));
  calls.push(await callRpc(config, 'VideoLibrary.Scan', { directory, showdialogs: false }, signal));
  return { player: config.name, kind: 'kodi', playerPath: directory, calls };
}
