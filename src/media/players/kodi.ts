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
 */
import { PlayerError } from '../errors.js';
import type { KodiPlayerConfig, PlayerSyncItem, PlayerSyncRequest, PlayerSyncResult } from '../types.js';
import { KodiRpc } from './kodiRpc.js';
import { mapPath, withTrailingSeparator } from './pathMap.js';

/** @default for {@link PlayerSyncRequest.timeoutMs} */
const DEFAULT_TIMEOUT_MS = 600_000;
/** @default for {@link PlayerSyncRequest.pollMs} */
const DEFAULT_POLL_MS = 250;
/**
 * How long refreshes may make no progress (no refreshed movie listed under a new id)
 * before those still under their old id are taken as done anyway (a Kodi that refreshes
 * in place; Kodi 20 always gives a new id).
 */
const REFRESH_SETTLE_MS = 30_000;

/** The folder Kodi is asked to scan for a library: the library root in Kodi's notation, ending with a separator. */
export function kodiLibraryDirectory(config: KodiPlayerConfig, libraryPath: string): string {
  return withTrailingSeparator(mapPath(libraryPath, config.pathMap));
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** An answer that is not what the method returns: Kodi answers `null` while it shuts down (seen on 20.1). */
function unexpected(config: KodiPlayerConfig, method: string, answer: unknown): PlayerError {
  return new PlayerError(config.name, '/jsonrpc', null, `${method} answered ${JSON.stringify(answer)} (is Kodi shutting down?)`);
}

async function isScanning(config: KodiPlayerConfig, rpc: KodiRpc): Promise<boolean> {
  const method = 'XBMC.GetInfoBooleans';
  const answer = await rpc.call<unknown>(method, { booleans: ['Library.IsScanningVideo'] });
  const value = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>)['Library.IsScanningVideo'] : undefined;
  if (typeof value !== 'boolean') throw unexpected(config, method, answer);
  return value;
}

/** Every movie Kodi holds under the given folders, by file (as Kodi names it) → movieid. */
async function moviesUnder(config: KodiPlayerConfig, rpc: KodiRpc, directories: readonly string[]): Promise<Map<string, number>> {
  const method = 'VideoLibrary.GetMovies';
  const held = new Map<string, number>();
  for (const directory of directories) {
    const answer = await rpc.call<unknown>(method, {
      properties: ['file'],
      filter: { field: 'path', operator: 'startswith', value: directory },
    });
    if (typeof answer !== 'object' || answer === null) throw unexpected(config, method, answer);
    const movies = (answer as { movies?: unknown }).movies ?? [];
    if (!Array.isArray(movies)) throw unexpected(config, method, answer);
    for (const movie of movies as { movieid?: unknown; file?: unknown }[]) {
      if (typeof movie.file === 'string' && typeof movie.movieid === 'number') held.set(movie.file, movie.movieid);
    }
  }
  return held;
}

/**
 * Brings Kodi in line with `request` and reports what it holds afterwards: removals and
 * refreshes by movie id, one scan per library folder with new movies (each started only
 * while Kodi is idle, each waited for), then one read of Kodi's library. Movies it still
 * lacks come back in `missing`: the caller decides (the notify job fails the attempt).
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
  const rpc = new KodiRpc(config, signal);
  const pollMs = request.pollMs ?? DEFAULT_POLL_MS;
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const fileOf = (item: PlayerSyncItem): string => mapPath(item.videoFile, config.pathMap);
  const directoryOf = (item: PlayerSyncItem): string => kodiLibraryDirectory(config, item.libraryPath);
  const directories = [...new Set([...request.added, ...request.changed, ...request.removed].map(directoryOf))];

  const waitUntilIdle = async (what: string): Promise<void> => {
    while (await isScanning(config, rpc)) {
      if (Date.now() > deadline) {
        throw new PlayerError(config.name, '/jsonrpc', null, `Kodi was still scanning ${what} after ${Math.round(timeoutMs / 1000)} s`);
      }
      await pause(pollMs, signal);
    }
  };

  await waitUntilIdle('before the sync');
  if (request.cleanFirst) {
    for (const directory of directories) {
      await rpc.call('VideoLibrary.Clean', { directory, showdialogs: false });
      await waitUntilIdle(`(cleaning ${directory})`);
    }
  }
  const before = await moviesUnder(config, rpc, directories);

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
  for (const directory of [...new Set(toScan.map(directoryOf))]) {
    await waitUntilIdle(`before the scan of ${directory}`);
    await rpc.call('VideoLibrary.Scan', { directory, showdialogs: false });
    await waitUntilIdle(`(its scan of ${directory})`);
  }

  // Read back. Refreshes run one by one in Kodi's library queue and each ends when the
  // movie is listed again under a new id: wait while they make progress (a refresh that
  // keeps its id is trusted after REFRESH_SETTLE_MS without progress), then judge
  // everything on one listing.
  let after = await moviesUnder(config, rpc, directories);
  const pendingRefreshes = (): number =>
    [...refreshing].filter(([item, oldId]) => {
      const now = after.get(fileOf(item));
      return now === undefined || now === oldId;
    }).length;
  let pending = pendingRefreshes();
  let progressAt = Date.now();
  while (pending > 0 && Date.now() < Math.min(deadline, progressAt + REFRESH_SETTLE_MS)) {
    await pause(pollMs, signal);
    after = await moviesUnder(config, rpc, directories);
    const now = pendingRefreshes();
    if (now < pending) progressAt = Date.now();
    pending = now;
  }

  const result: PlayerSyncResult = {
    player: config.name,
    kind: 'kodi',
    confirmation: 'verified',
    added: [],
    refreshed: [],
    removed: [],
    missing: [],
    requests: 0,
  };
  const wanted = new Set([...toScan, ...refreshing.keys()].map(fileOf));
  for (const item of request.removed) {
    // A removed file that is wanted again (re-added as a new movie) is listed by design.
    const gone = !after.has(fileOf(item)) || (wanted.has(fileOf(item)) && (removedCalls.has(item) || !before.has(fileOf(item))));
    (gone ? result.removed : result.missing).push(item);
  }
  for (const [item] of refreshing) (after.has(fileOf(item)) ? result.refreshed : result.missing).push(item);
  for (const item of toScan) (after.has(fileOf(item)) ? result.added : result.missing).push(item);
  result.requests = rpc.requests;
  return result;
}
