/**
 * Jellyfin (and Emby): `POST /Library/Media/Updated` with one entry per changed path and
 * its `UpdateType` (`Created`, `Modified`, `Deleted`) — a movie's folder, an episode's
 * video file, a show's folder — authenticated with
 * `Authorization: MediaBrowser Token="<key>"` (Jellyfin 12 refuses the legacy
 * `X-Emby-Token` header and `api_key` query by default; 10.10 and later accept this one).
 * A server without that endpoint (404/405) gets one full `POST /Library/Refresh`.
 */
import { PlayerError } from '../errors.js';
import type { JellyfinPlayerConfig, PlayerSyncItem, PlayerSyncRequest, PlayerSyncResult } from '../types.js';
import { playerFetch } from './http.js';
import { mapPath } from './pathMap.js';
import { acceptedOutcome } from './syncOutcome.js';

const UPDATED_PATH = '/Library/Media/Updated';
const REFRESH_PATH = '/Library/Refresh';

/** Jellyfin's name for what happened to a path. */
export type JellyfinUpdateType = 'Created' | 'Modified' | 'Deleted';

/**
 * The path Jellyfin is told about for a movie, in its view: the movie's folder, or the
 * video file itself when the movie lies directly in the library folder (a flat library),
 * so that one movie's change does not read as the whole library's.
 */
export function jellyfinPathOf(config: JellyfinPlayerConfig, item: PlayerSyncItem): string {
  return mapPath(item.folder === item.libraryPath ? item.videoFile : item.folder, config.pathMap);
}

/**
 * The `Updates` list of `/Library/Media/Updated` for a request: one entry per path and
 * type. Movies by {@link jellyfinPathOf}; episodes by their video file; TV shows by their
 * folder (a new show's folder is `Created` beside its files, a changed `tvshow.nfo` or
 * show artwork makes the folder `Modified`, a removed show's folder is `Deleted`).
 */
export function jellyfinUpdates(
  config: JellyfinPlayerConfig,
  request: Pick<PlayerSyncRequest, 'added' | 'changed' | 'removed' | 'shows' | 'episodes'>,
): { Path: string; UpdateType: JellyfinUpdateType }[] {
  const seen = new Set<string>();
  const updates: { Path: string; UpdateType: JellyfinUpdateType }[] = [];
  const add = <T>(items: readonly T[] | undefined, type: JellyfinUpdateType, pathOf: (item: T) => string): void => {
    for (const item of items ?? []) {
      const Path = pathOf(item);
      if (seen.has(`${type}\0${Path}`)) continue;
      seen.add(`${type}\0${Path}`);
      updates.push({ Path, UpdateType: type });
    }
  };
  const movie = (item: PlayerSyncItem): string => jellyfinPathOf(config, item);
  const show = (item: { folder: string }): string => mapPath(item.folder, config.pathMap);
  const episode = (item: { videoFile: string }): string => mapPath(item.videoFile, config.pathMap);
  const { shows, episodes } = request;
  add(request.removed, 'Deleted', movie);
  add(episodes?.removed, 'Deleted', episode);
  add(shows?.removed, 'Deleted', show);
  add(request.added, 'Created', movie);
  add(shows?.added, 'Created', show);
  add(episodes?.added, 'Created', episode);
  add(request.changed, 'Modified', movie);
  add(shows?.changed, 'Modified', show);
  add(episodes?.changed, 'Modified', episode);
  return updates;
}

/**
 * Reports every added, changed and removed movie, show and episode file to Jellyfin in one call. Jellyfin scans
 * in the background and its notification endpoint reports nothing back, so the result is
 * `accepted`: every movie counts as told, none as missing.
 *
 * @throws PlayerError on network errors and non-2xx statuses (401 for a bad API key)
 */
export async function syncJellyfin(
  config: JellyfinPlayerConfig,
  request: PlayerSyncRequest,
  signal?: AbortSignal,
): Promise<PlayerSyncResult> {
  const headers = {
    Authorization: `MediaBrowser Token="${config.auth.apiKey}"`,
    'Content-Type': 'application/json',
  };
  const result: PlayerSyncResult = {
    player: config.name,
    kind: 'jellyfin',
    confirmation: 'accepted',
    added: [...request.added],
    refreshed: [...request.changed],
    removed: [...request.removed],
    missing: [],
    shows: acceptedOutcome(request.shows),
    episodes: acceptedOutcome(request.episodes),
    requests: 1,
  };
  try {
    const response = await playerFetch(
      config.name,
      config.url,
      UPDATED_PATH,
      { method: 'POST', headers, body: JSON.stringify({ Updates: jellyfinUpdates(config, request) }) },
      signal,
    );
    await response.body?.cancel();
    return result;
  } catch (error) {
    if (!(error instanceof PlayerError) || (error.status !== 404 && error.status !== 405)) throw error;
  }
  const refresh = await playerFetch(config.name, config.url, REFRESH_PATH, { method: 'POST', headers }, signal);
  await refresh.body?.cancel();
  result.requests = 2;
  return result;
}
