/**
 * The TV part of a Kodi sync: shows and episode files told to Kodi and read back.
 *
 * What Kodi 20 does with TV, from its JSON-RPC source (`VideoLibrary.cpp`,
 * `VideoLibraryRefreshingJob.cpp`, `VideoLibraryQueue.cpp`), and how each step follows:
 * - `VideoLibrary.Scan` of the `tvshows` source folder finds new shows and new episode
 *   files (a new file changes its folder's hash); it skips what Kodi already holds, so a
 *   changed show is refreshed by `tvshowid` (`RefreshTVShow`, `ignorenfo: false`: it
 *   re-reads `tvshow.nfo`, the show artwork and season posters, and keeps its id), and a
 *   changed episode file by the `episodeid` of each of its episodes (`RefreshEpisode`: the
 *   episode is deleted and read again from the file's NFO, under a new id; the other
 *   episodes of a multi-episode file are left as they are). Ids are found by path:
 *   `GetTVShows` and `GetEpisodes` filtered on `path` starting with the folder.
 * - Refreshes answer "OK" at once and run in Kodi's video library queue, which runs one
 *   job at a time in the order they came, scans included; `Library.IsScanningVideo` is
 *   true while a scan is queued or running. So after the refreshes the sync scans the
 *   source folder (started only while Kodi is idle, as every scan): once Kodi is idle
 *   again, every refresh sent before that scan has run. That is how the end of a show's
 *   refresh is seen, though the show keeps its id. The queue also drops a job equal to one
 *   queued or running — refreshes are equal when they are of the same file — so the
 *   episodes of a multi-episode file are refreshed in rounds, one scan after each.
 * - `RemoveEpisode` / `RemoveTVShow` drop by id before the call returns (a show with its
 *   episodes; a removed file's episodes need no call of their own when its show goes).
 *   Both invalidate the folder's hash, so a file removed and added again is read afresh by
 *   the scan.
 * - Then the library is read once more: every show to add or refresh must be listed, and
 *   every episode file with every episode its NFO numbers (season and episode, a
 *   multi-episode file once per episode); removed ones must be gone.
 */
import type { EpisodeFileSyncItem, KodiPlayerConfig, PlayerSyncRequest, SyncOutcome, TvShowSyncItem } from '../types.js';
import { kodiLibraryDirectory, type KodiSession } from './kodiSession.js';
import { mapPath, withTrailingSeparator } from './pathMap.js';
import { emptyOutcome } from './syncOutcome.js';

/** One episode as Kodi holds it. */
interface HeldEpisode {
  episodeid: number;
  season: number;
  episode: number;
}

/** What Kodi holds under the TV folders: shows by folder, episodes by file (Kodi's paths). */
interface HeldTv {
  shows: Map<string, number>;
  episodes: Map<string, HeldEpisode[]>;
}

/** The TV library folders of a request, in Kodi's notation (each ending with a separator). */
export function tvLibraryDirectories(config: KodiPlayerConfig, request: Pick<PlayerSyncRequest, 'shows' | 'episodes'>): string[] {
  const items = [
    ...(request.shows?.added ?? []),
    ...(request.shows?.changed ?? []),
    ...(request.shows?.removed ?? []),
    ...(request.episodes?.added ?? []),
    ...(request.episodes?.changed ?? []),
    ...(request.episodes?.removed ?? []),
  ];
  return [...new Set(items.map((item) => kodiLibraryDirectory(config, item.libraryPath)))];
}

/** The items of `method`'s answer under `key`, checked to be a list. */
function listOf(session: KodiSession, method: string, answer: unknown, key: string): Record<string, unknown>[] {
  if (typeof answer !== 'object' || answer === null) throw session.unexpected(method, answer);
  const list = (answer as Record<string, unknown>)[key] ?? [];
  if (!Array.isArray(list)) throw session.unexpected(method, answer);
  return list as Record<string, unknown>[];
}

/** Every show and episode Kodi holds under the given folders. */
async function tvUnder(session: KodiSession, directories: readonly string[]): Promise<HeldTv> {
  const held: HeldTv = { shows: new Map(), episodes: new Map() };
  for (const directory of directories) {
    const filter = { field: 'path', operator: 'startswith', value: directory };
    const shows = await session.rpc.call('VideoLibrary.GetTVShows', { properties: ['file'], filter });
    for (const show of listOf(session, 'VideoLibrary.GetTVShows', shows, 'tvshows')) {
      if (typeof show['file'] === 'string' && typeof show['tvshowid'] === 'number')
        held.shows.set(withTrailingSeparator(show['file']), show['tvshowid']);
    }
    const episodes = await session.rpc.call('VideoLibrary.GetEpisodes', { properties: ['file', 'season', 'episode'], filter });
    for (const episode of listOf(session, 'VideoLibrary.GetEpisodes', episodes, 'episodes')) {
      const { file, episodeid, season, episode: number } = episode;
      if (typeof file !== 'string' || typeof episodeid !== 'number') continue;
      const entry = { episodeid, season: typeof season === 'number' ? season : -1, episode: typeof number === 'number' ? number : -1 };
      held.episodes.set(file, [...(held.episodes.get(file) ?? []), entry]);
    }
  }
  return held;
}

/**
 * Brings Kodi's TV library in line with the request's shows and episode files (see the
 * module comment) and reports what it holds afterwards.
 */
export async function syncKodiTv(
  session: KodiSession,
  request: Pick<PlayerSyncRequest, 'shows' | 'episodes'>,
  directories: readonly string[],
): Promise<{ shows: SyncOutcome<TvShowSyncItem>; episodes: SyncOutcome<EpisodeFileSyncItem> }> {
  const { config, rpc } = session;
  const shows = { added: request.shows?.added ?? [], changed: request.shows?.changed ?? [], removed: request.shows?.removed ?? [] };
  const files = {
    added: request.episodes?.added ?? [],
    changed: request.episodes?.changed ?? [],
    removed: request.episodes?.removed ?? [],
  };
  const folderOf = (item: TvShowSyncItem): string => withTrailingSeparator(mapPath(item.folder, config.pathMap));
  const showFolderOf = (item: EpisodeFileSyncItem): string => withTrailingSeparator(mapPath(item.showFolder, config.pathMap));
  const fileOf = (item: EpisodeFileSyncItem): string => mapPath(item.videoFile, config.pathMap);
  const directoryOf = (item: { libraryPath: string }): string => kodiLibraryDirectory(config, item.libraryPath);
  const before = await tvUnder(session, directories);

  // Removals first: a file or show deleted and added again is then read afresh by the scan.
  // A removed show takes its episodes with it.
  const removedShowFolders = new Set(shows.removed.map(folderOf).filter((folder) => before.shows.has(folder)));
  const removedFileCalls = new Set<EpisodeFileSyncItem>();
  for (const item of files.removed) {
    if (removedShowFolders.has(showFolderOf(item))) {
      removedFileCalls.add(item);
      continue;
    }
    const held = before.episodes.get(fileOf(item)) ?? [];
    for (const { episodeid } of held) await rpc.call('VideoLibrary.RemoveEpisode', { episodeid });
    if (held.length > 0) removedFileCalls.add(item);
  }
  const removedShowCalls = new Set<TvShowSyncItem>();
  for (const item of shows.removed) {
    const tvshowid = before.shows.get(folderOf(item));
    if (tvshowid === undefined) continue;
    await rpc.call('VideoLibrary.RemoveTVShow', { tvshowid });
    removedShowCalls.add(item);
  }

  // Refreshes by id; what Kodi does not hold is scanned like something new.
  const showsToAdd: TvShowSyncItem[] = [...shows.added];
  const refreshingShows: TvShowSyncItem[] = [];
  for (const item of shows.changed) {
    const tvshowid = before.shows.get(folderOf(item));
    if (tvshowid === undefined) {
      showsToAdd.push(item);
      continue;
    }
    await rpc.call('VideoLibrary.RefreshTVShow', { tvshowid, ignorenfo: false });
    refreshingShows.push(item);
  }
  const filesToAdd: EpisodeFileSyncItem[] = [...files.added];
  const refreshingFiles: EpisodeFileSyncItem[] = [];
  // Episode ids to refresh in rounds: the k-th episode of every changed file in round k.
  const rounds: number[][] = [];
  for (const item of files.changed) {
    const held = before.episodes.get(fileOf(item)) ?? [];
    if (held.length === 0) {
      filesToAdd.push(item);
      continue;
    }
    held.forEach(({ episodeid }, k) => (rounds[k] ??= []).push(episodeid));
    refreshingFiles.push(item);
  }
  const toScan = [...new Set([...showsToAdd, ...refreshingShows, ...filesToAdd, ...refreshingFiles].map(directoryOf))];
  // Kodi's library queue drops a refresh of a file while another refresh of the same file
  // is queued or running (its jobs are compared by path), and a refresh reads only its own
  // episode of the file. So the episodes of a multi-episode file are refreshed one round
  // after the other, each round waited for by a scan queued behind it.
  for (const [k, round] of rounds.entries()) {
    if (k > 0) for (const directory of toScan) await session.scan(directory);
    for (const episodeid of round) await rpc.call('VideoLibrary.RefreshEpisode', { episodeid, ignorenfo: false });
  }

  // One scan per TV folder with anything to add or refresh: it finds the new shows and
  // files, and, queued behind the refreshes in Kodi's library queue, it ends after them.
  for (const directory of toScan) await session.scan(directory);

  const after = await tvUnder(session, directories);
  const holdsShow = (item: TvShowSyncItem): boolean => after.shows.has(folderOf(item));
  const holdsFile = (item: EpisodeFileSyncItem): boolean => {
    const held = after.episodes.get(fileOf(item)) ?? [];
    // Every episode the NFO numbers must be listed; an unnumbered (daily) one counts by its file.
    return (
      held.length > 0 &&
      item.episodes.every(
        (wanted) =>
          wanted.season === null || wanted.episode === null || held.some((h) => h.season === wanted.season && h.episode === wanted.episode),
      )
    );
  };

  const result = { shows: emptyOutcome<TvShowSyncItem>(), episodes: emptyOutcome<EpisodeFileSyncItem>() };
  // A removed show or file that is wanted again (added back) is listed by design.
  const wantedShows = new Set([...showsToAdd, ...refreshingShows].map(folderOf));
  for (const item of shows.removed) {
    const folder = folderOf(item);
    const gone = !after.shows.has(folder) || (wantedShows.has(folder) && (removedShowCalls.has(item) || !before.shows.has(folder)));
    (gone ? result.shows.removed : result.shows.missing).push(item);
  }
  const wantedFiles = new Set([...filesToAdd, ...refreshingFiles].map(fileOf));
  for (const item of files.removed) {
    const file = fileOf(item);
    const gone = !after.episodes.has(file) || (wantedFiles.has(file) && (removedFileCalls.has(item) || !before.episodes.has(file)));
    (gone ? result.episodes.removed : result.episodes.missing).push(item);
  }
  for (const item of refreshingShows) (holdsShow(item) ? result.shows.refreshed : result.shows.missing).push(item);
  for (const item of showsToAdd) (holdsShow(item) ? result.shows.added : result.shows.missing).push(item);
  for (const item of refreshingFiles) (holdsFile(item) ? result.episodes.refreshed : result.episodes.missing).push(item);
  for (const item of filesToAdd) (holdsFile(item) ? result.episodes.added : result.episodes.missing).push(item);
  return result;
}
