/**
 * Kodi, confirmed: tells Kodi what changed and reads its library back, so that a sync is
 * only reported done when Kodi holds what was published.
 *
 * What a real Kodi 20 does, and how each step here follows from it:
 * - `VideoLibrary.Scan` toggles: one that arrives while Kodi scans (or cleans) stops that
 *   work and starts nothing. So every scan waits until `Library.IsScanningVideo` is false,
 *   and a clean is waited for like a scan (Kodi counts cleaning as scanning).
 * - Scan and Clean answer "OK" at once and work in the background: after a scan, the sync
 *   waits until Kodi is idle again, then reads `VideoLibrary.GetMovies` (filtered on the
 *   library folder) and checks that every movie it covers is there.
 * - Scan skips movies Kodi already holds: a changed movie is refreshed by id
 *   (`VideoLibrary.RefreshMovie`, which re-reads its NFO and artwork; Kodi 20 re-adds it
 *   under a new id, which is how its end is seen). A removed movie is dropped by id
 *   (`VideoLibrary.RemoveMovie`, done before the call returns).
 * - A brand-new movie folder is skipped when scanned by itself: the library folder is
 *   scanned instead. Every path is mapped to Kodi's view first.
 *
 * This file holds the movie part and runs a sync; TV shows and episodes are `kodiTv.ts`,
 * the waits and the JSON-RPC client both share `kodiSession.ts`.
 */
import type {
  EpisodeFileSyncItem,
  KodiPlayerConfig,
  PlayerSyncItem,
  PlayerSyncRequest,
  PlayerSyncResult,
  SyncOutcome,
  TvShowSyncItem,
} from '../types.js';
import { syncKodiTv, tvLibraryDirectories } from './kodiTv.js';
import { kodiLibraryDirectory, KodiSession } from './kodiSession.js';
import { mapPath } from './pathMap.js';
import { emptyOutcome } from './syncOutcome.js';

export { kodiLibraryDirectory } from './kodiSession.js';

/**
 * How long refreshes may make no progress (no refreshed movie listed under a new id)
 * before those still under their old id are taken as done anyway (a Kodi that refreshes
 * in place; Kodi 20 always gives a new id).
 */
const REFRESH_SETTLE_MS = 30_000;

/** Every movie Kodi holds under the given folders, by file (as Kodi names it) → movieid. */
async function moviesUnder(session: KodiSession, directories: readonly string[]): Promise<Map<string, number>> {
  const method = 'VideoLibrary.GetMovies';
  const held = new Map<string, number>();
  for (const directory of directories) {
    const answer = await session.rpc.call(method, {
      properties: ['file'],
      filter: { field: 'path', operator: 'startswith', value: directory },
    });
    if (typeof answer !== 'object' || answer === null) throw session.unexpected(method, answer);
    const movies = (answer as { movies?: unknown }).movies ?? [];
    if (!Array.isArray(movies)) throw session.unexpected(method, answer);
    for (const movie of movies as { movieid?: unknown; file?: unknown }[]) {
      if (typeof movie.file === 'string' && typeof movie.movieid === 'number') held.set(movie.file, movie.movieid);
    }
  }
  return held;
}

/**
 * Brings Kodi in line with `request` and reports what it holds afterwards: movies, then TV
 * shows and episodes (see `kodiTv.ts`), each part with its removals, its refreshes by id,
 * one scan per library folder (each started only while Kodi is idle, each waited for) and
 * one read of Kodi's library. What it still lacks comes back in `missing`: the caller
 * decides (the notify job fails the attempt).
 *
 * @throws PlayerError on HTTP, network and JSON-RPC errors, and when Kodi stays busy
 *   longer than `timeoutMs`; the signal's reason when aborted
 * @example
 * ```ts
 * const result = await syncKodi(kodiConfig, { added: plan.added, changed: plan.changed, removed: plan.removed }, signal);
 * if (result.missing.length > 0) throw new Error('Kodi does not hold everything yet');
 * ```
 */
export async function syncKodi(config: KodiPlayerConfig, request: PlayerSyncRequest, signal?: AbortSignal): Promise<PlayerSyncResult> {
  const session = new KodiSession(config, { timeoutMs: request.timeoutMs, pollMs: request.pollMs, signal });
  const directoryOf = (item: PlayerSyncItem): string => kodiLibraryDirectory(config, item.libraryPath);
  const movieDirectories = [...new Set([...request.added, ...request.changed, ...request.removed].map(directoryOf))];
  const tvDirectories = tvLibraryDirectories(config, request);

  await session.waitUntilIdle('before the sync');
  if (request.cleanFirst) {
    for (const directory of [...movieDirectories, ...tvDirectories]) await session.clean(directory);
  }
  const movies = movieDirectories.length > 0 ? await syncMovies(session, request, movieDirectories) : emptyOutcome<PlayerSyncItem>();
  const tv =
    tvDirectories.length > 0
      ? await syncKodiTv(session, request, tvDirectories)
      : { shows: emptyOutcome<TvShowSyncItem>(), episodes: emptyOutcome<EpisodeFileSyncItem>() };
  return {
    player: config.name,
    kind: 'kodi',
    confirmation: 'verified',
    ...movies,
    shows: tv.shows,
    episodes: tv.episodes,
    requests: session.rpc.requests,
  };
}

/**
 * The movie part of a sync: removals and refreshes by movie id, one scan per library
 * folder with new movies, then Kodi's library read back (waiting while refreshes make
 * progress).
 */
async function syncMovies(
  session: KodiSession,
  request: PlayerSyncRequest,
  directories: readonly string[],
): Promise<SyncOutcome<PlayerSyncItem>> {
  const { config, rpc } = session;
  const fileOf = (item: PlayerSyncItem): string => mapPath(item.videoFile, config.pathMap);
  const directoryOf = (item: PlayerSyncItem): string => kodiLibraryDirectory(config, item.libraryPath);
  const before = await moviesUnder(session, directories);

  // Removals first: a file deleted and added again is then removed and scanned afresh.
  const removedCalls = new Set<PlayerSyncItem>();
  for (const item of request.removed) {
    const movieid = before.get(fileOf(item));
    if (movieid === undefined) continue;
    await rpc.call('VideoLibrary.RemoveMovie', { movieid });
    removedCalls.add(item);
  }

  // Refreshes by id; a changed movie Kodi does not hold is scanned like a new one.
  const refreshing = new Map<PlayerSyncItem, number>();
  const toScan: PlayerSyncItem[] = [...request.added];
  for (const item of request.changed) {
    const movieid = before.get(fileOf(item));
    if (movieid === undefined) {
      toScan.push(item);
      continue;
    }
    await rpc.call('VideoLibrary.RefreshMovie', { movieid, ignorenfo: false });
    refreshing.set(item, movieid);
  }

  // One scan per library folder, each started while Kodi is idle and waited for.
  for (const directory of [...new Set(toScan.map(directoryOf))]) await session.scan(directory);

  // Read back. Refreshes run one by one in Kodi's library queue and each ends when the
  // movie is listed again under a new id: wait while they make progress (a refresh that
  // keeps its id is trusted after REFRESH_SETTLE_MS without progress), then judge
  // everything on one listing.
  let after = await moviesUnder(session, directories);
  const pendingRefreshes = (): number =>
    [...refreshing].filter(([item, oldId]) => {
      const now = after.get(fileOf(item));
      return now === undefined || now === oldId;
    }).length;
  let pending = pendingRefreshes();
  let progressAt = Date.now();
  while (pending > 0 && Date.now() < Math.min(session.deadline, progressAt + REFRESH_SETTLE_MS)) {
    await session.pause();
    after = await moviesUnder(session, directories);
    const now = pendingRefreshes();
    if (now < pending) progressAt = Date.now();
    pending = now;
  }

  const result = emptyOutcome<PlayerSyncItem>();
  const wanted = new Set([...toScan, ...refreshing.keys()].map(fileOf));
  for (const item of request.removed) {
    // A removed file that is wanted again (re-added as a new movie) is listed by design.
    const gone = !after.has(fileOf(item)) || (wanted.has(fileOf(item)) && (removedCalls.has(item) || !before.has(fileOf(item))));
    (gone ? result.removed : result.missing).push(item);
  }
  for (const [item] of refreshing) (after.has(fileOf(item)) ? result.refreshed : result.missing).push(item);
  for (const item of toScan) (after.has(fileOf(item)) ? result.added : result.missing).push(item);
  return result;
}
