/**
 * One entry point to sync any configured player; the notify handlers call this.
 */
import type { PlayerConfig, PlayerSyncRequest, PlayerSyncResult } from '../types.js';
import { syncJellyfin } from './jellyfin.js';
import { syncKodi } from './kodi.js';
import { syncPlex } from './plex.js';

export { jellyfinPathOf, jellyfinUpdates, syncJellyfin, type JellyfinUpdateType } from './jellyfin.js';
export { kodiLibraryDirectory, syncKodi } from './kodi.js';
export { KodiRpc } from './kodiRpc.js';
export { mapPath, parentDirectory, withTrailingSeparator } from './pathMap.js';
export { plexSectionFor, syncPlex } from './plex.js';

/**
 * Tells one player what changed (paths mapped to its view) and reports what it did. Nothing
 * is retried here: a failure throws `PlayerError` so the job's retries apply, and movies a
 * player still lacks come back in `missing`.
 *
 * @example
 * ```ts
 * const result = await syncPlayer(
 *   { kind: 'kodi', name: 'living-room', url: 'http://kodi:8080', auth: { username: 'kodi', password: 'secret' } },
 *   { added: [heat], changed: [], removed: [] },
 *   signal,
 * );
 * result.missing; // [] once Kodi lists Heat
 * ```
 */
export async function syncPlayer(config: PlayerConfig, request: PlayerSyncRequest, signal?: AbortSignal): Promise<PlayerSyncResult> {
  switch (config.kind) {
    case 'kodi':
      return syncKodi(config, request, signal);
    case 'jellyfin':
      return syncJellyfin(config, request, signal);
    case 'plex':
      return syncPlex(config, request, signal);
  }
}
