/**
 * Plex Media Server: a partial scan of one folder of a library section,
 * `GET /library/sections/{id}/refresh?path=…` with `X-Plex-Token`.
 */
import type { NotifyRequest, NotifyResult, PlexPlayerConfig } from '../types.js';
import { playerFetch } from './http.js';
import { mapPath } from './pathMap.js';

/**
 * Asks Plex to scan `moviePath` (or else `libraryPath`), mapped to its view, in the
 * configured section.
 *
 * @throws PlayerError on network errors and non-2xx statuses (401 bad token, 404 unknown section).
 */
export async function notifyPlex(config: PlexPlayerConfig, request: NotifyRequest, signal?: AbortSignal): Promise<NotifyResult> {
  const playerPath = mapPath(request.moviePath ?? request.libraryPath, config.pathMap);
  const apiPath = `/library/sections/${encodeURIComponent(String(config.auth.sectionId))}/refresh?path=${encodeURIComponent(playerPath)}`;
  const response = await playerFetch(
    config.name,
    config.url,
    apiPath,
    { method: 'GET', headers: { 'X-Plex-Token': config.auth.token, Accept: 'application/json' } },
    signal,
  );
  await response.body?.cancel();
  return { player: config.name, kind: 'plex', playerPath, calls: [{ method: 'GET', path: apiPath, status: response.status }] };
}
