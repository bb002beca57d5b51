/**
 * One entry point to notify any configured player; the notify handlers call this.
 */
import type { NotifyRequest, NotifyResult, PlayerConfig } from '../types.js';
import { notifyJellyfin } from './jellyfin.js';
import { notifyKodi } from './kodi.js';
import { notifyPlex } from './plex.js';

export { notifyJellyfin } from './jellyfin.js';
export { kodiScanDirectory, notifyKodi } from './kodi.js';
export { mapPath, parentDirectory, withTrailingSeparator } from './pathMap.js';
export { notifyPlex } from './plex.js';

/**
 * Tells one player that a library folder changed, after mapping the path to the player's
 * view. Nothing is retried here: a failure throws `PlayerError` so the job's retries apply.
 *
 * @example
 * ```ts
 * await notifyPlayer(
 *   { kind: 'kodi', name: 'living-room', url: 'http://kodi:8080', auth: { username: 'kodi', password: 'secret' } },
 *   { libraryPath: '/srv/movies', moviePath: '/srv/movies/Heat (1995)', cleanFirst: true },
 *   signal,
 * );
 * ```
 */
export async function notifyPlayer(config: PlayerConfig, request: NotifyRequest, signal?: AbortSignal): Promise<NotifyResult> {
  switch (config.kind) {
    case 'kodi':
      return notifyKodi(config, request, signal);
    case 'jellyfin':
      return notifyJellyfin(config, request, signal);
    case 'plex':
      return notifyPlex(config, request, signal);
  }
}
