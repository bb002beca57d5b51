/**
 * Jellyfin (and Emby): report the changed path with `POST /Library/Media/Updated`, which
 * scans just that folder; servers without that endpoint get a full `POST /Library/Refresh`.
 */
import { PlayerError } from '../errors.js';
import type { JellyfinPlayerConfig, NotifyRequest, NotifyResult, PlayerCall } from '../types.js';
import { playerFetch } from './http.js';
import { mapPath } from './pathMap.js';

const UPDATED_PATH = '/Library/Media/Updated';
const REFRESH_PATH = '/Library/Refresh';

/**
 * Tells Jellyfin that `moviePath` (or else `libraryPath`), mapped to its view, was created
 * or changed. Falls back to a full library refresh only when the server does not know the
 * targeted endpoint (404/405); every other failure is thrown.
 *
 * @throws PlayerError on network errors and non-2xx statuses (401 for a bad API key).
 */
export async function notifyJellyfin(
  config: JellyfinPlayerConfig,
  request: NotifyRequest,
  signal?: AbortSignal,
): Promise<NotifyResult> {
  const playerPath = mapPath(request.moviePath ?? request.libraryPath, config.pathMap);
  const headers = { 'X-Emby-Token': config.auth.apiKey, 'Content-Type': 'application/json' };
  const calls: PlayerCall[] = [];
  try {
    const response = await playerFetch(
      config.name,
      config.url,
      UPDATED_PATH,
      { method: 'POST', headers, body: JSON.stringify({ Updates: [{ Path: playerPath, UpdateType: 'Created' }] }) },
      signal,
    );
    calls.push({ method: 'POST', path: UPDATED_PATH, status: response.status });
    await response.body?.cancel();
    return { player: config.name, kind: 'jellyfin', playerPath, calls };
  } catch (error) {
    if (!(error instanceof PlayerError) || (error.status !== 404 && error.status !== 405)) throw error;
    calls.push({ method: 'POST', path: UPDATED_PATH, status: error.status });
  }
  const refresh = await playerFetch(config.name, config.url, REFRESH_PATH, { method: 'POST', headers }, signal);
  calls.push({ method: 'POST', path: REFRESH_PATH, status: refresh.status });
  await refresh.body?.cancel();
  return { player: config.name, kind: 'jellyfin', playerPath, calls };
}
