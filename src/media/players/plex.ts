/**
 * Plex Media Server: a partial scan of one folder of a library section,
 * `GET /library/sections/{id}/refresh?path=…` with `X-Plex-Token`. A changed or new movie
 * is scanned through its own folder; a removed one through the folder that held it (its
 * own folder is gone). TV: a new or changed episode file through its folder (the season
 * folder), a removed one through its show's folder (its season folder may be gone too), a
 * new or changed show through its folder, a removed show through the folder that held it.
 * A season folder is not scanned when its show folder is. The section
 * is the configured one, or the one whose locations (`GET /library/sections`) contain the
 * library folder.
 */
import { PlayerError } from '../errors.js';
import type { PlayerSyncRequest, PlayerSyncResult, PlexPlayerConfig } from '../types.js';
import { playerFetch } from './http.js';
import { mapPath, parentDirectory } from './pathMap.js';
import { acceptedOutcome } from './syncOutcome.js';

const SECTIONS_PATH = '/library/sections';
/** More folders than this in one section and the sync asks for one scan of the library folder instead. */
const MAX_FOLDER_SCANS = 20;

/** A section of `GET /library/sections` (JSON), as far as the sync reads it. */
interface PlexSection {
  key: string;
  type?: string;
  Location?: { path?: string }[];
}

/** Does folder `prefix` contain `p` (same folder or below), on whole segments? */
function contains(prefix: string, p: string): boolean {
  const base = prefix.replace(/[\\/]+$/, '');
  return p === base || p.startsWith(`${base}/`) || p.startsWith(`${base}\\`);
}

/**
 * The section holding `libraryFolder` (as Plex sees it): the one with the longest
 * location that contains it.
 */
export function plexSectionFor(sections: readonly PlexSection[], libraryFolder: string): string | undefined {
  let best: { key: string; length: number } | undefined;
  for (const section of sections) {
    for (const location of section.Location ?? []) {
      if (typeof location.path !== 'string' || !contains(location.path, libraryFolder)) continue;
      if (!best || location.path.length > best.length) best = { key: String(section.key), length: location.path.length };
    }
  }
  return best?.key;
}

/**
 * Asks Plex to scan each added or changed movie's folder and the folder that held each
 * removed one (mapped), and the folders of the TV changes as the module comment says, in
 * the configured or found section; more than 20 folders in one
 * section become one scan of the library folder. Plex scans in the background and answers
 * nothing about it, so the result is `accepted`.
 *
 * @throws PlayerError on network errors and non-2xx statuses (401 bad token, 404 unknown
 *   section), and when no section contains a library folder
 */
export async function syncPlex(config: PlexPlayerConfig, request: PlayerSyncRequest, signal?: AbortSignal): Promise<PlayerSyncResult> {
  const headers = { 'X-Plex-Token': config.auth.token, Accept: 'application/json' };
  let requests = 0;
  let sections: PlexSection[] | undefined;
  const sectionOf = async (libraryFolder: string): Promise<string> => {
    if (config.auth.sectionId !== undefined) return String(config.auth.sectionId);
    if (!sections) {
      requests += 1;
      const response = await playerFetch(config.name, config.url, SECTIONS_PATH, { method: 'GET', headers }, signal);
      const body = (await response.json().catch(() => null)) as { MediaContainer?: { Directory?: PlexSection[] } } | null;
      sections = body?.MediaContainer?.Directory ?? [];
    }
    const key = plexSectionFor(sections, libraryFolder);
    if (key === undefined) {
      throw new PlayerError(
        config.name,
        SECTIONS_PATH,
        null,
        `no library section of Plex has a folder containing "${libraryFolder}" (set auth.sectionId, or check pathMap)`,
      );
    }
    return key;
  };

  // Folders to scan, per section, in Plex's notation.
  const bySection = new Map<string, { root: string; folders: Set<string> }[]>();
  const plan = async (item: { libraryPath: string }, folder: string): Promise<void> => {
    const root = mapPath(item.libraryPath, config.pathMap);
    const section = await sectionOf(root);
    const entries = bySection.get(section) ?? [];
    let entry = entries.find((e) => e.root === root);
    if (!entry) {
      entry = { root, folders: new Set() };
      entries.push(entry);
      bySection.set(section, entries);
    }
    entry.folders.add(folder);
  };
  /** The folder that held `folder` (the library folder itself for a flat library). */
  const holder = (item: { libraryPath: string }, folder: string): string => {
    const own = mapPath(folder, config.pathMap);
    const root = mapPath(item.libraryPath, config.pathMap);
    return own === root ? root : parentDirectory(own).replace(/[\\/]$/, '');
  };
  for (const item of [...request.added, ...request.changed]) await plan(item, mapPath(item.folder, config.pathMap));
  for (const item of request.removed) await plan(item, holder(item, item.folder));
  const shows = request.shows;
  const episodes = request.episodes;
  for (const item of [...(shows?.added ?? []), ...(shows?.changed ?? [])]) await plan(item, mapPath(item.folder, config.pathMap));
  for (const item of shows?.removed ?? []) await plan(item, holder(item, item.folder));
  for (const item of [...(episodes?.added ?? []), ...(episodes?.changed ?? [])]) await plan(item, mapPath(item.folder, config.pathMap));
  const removedShows = new Set((shows?.removed ?? []).map((show) => show.folder));
  for (const item of episodes?.removed ?? []) {
    // A removed show's folder is gone: the scan of the folder that held it covers its episodes.
    if (!removedShows.has(item.showFolder)) await plan(item, mapPath(item.showFolder, config.pathMap));
  }

  for (const [section, entries] of bySection) {
    // A season folder inside a show folder to scan is covered by it. (The library folder,
    // scanned for a removal, is left beside the folders of the changes: they go first.)
    for (const entry of entries) {
      for (const folder of [...entry.folders]) {
        if ([...entry.folders].some((other) => other !== folder && other !== entry.root && contains(other, folder)))
          entry.folders.delete(folder);
      }
    }
    const total = entries.reduce((n, e) => n + e.folders.size, 0);
    const folders = total > MAX_FOLDER_SCANS ? entries.map((e) => e.root) : entries.flatMap((e) => [...e.folders]);
    for (const folder of folders) {
      const apiPath = `/library/sections/${encodeURIComponent(section)}/refresh?path=${encodeURIComponent(folder)}`;
      requests += 1;
      const response = await playerFetch(config.name, config.url, apiPath, { method: 'GET', headers }, signal);
      await response.body?.cancel();
    }
  }
  return {
    player: config.name,
    kind: 'plex',
    confirmation: 'accepted',
    added: [...request.added],
    refreshed: [...request.changed],
    removed: [...request.removed],
    missing: [],
    shows: acceptedOutcome(request.shows),
    episodes: acceptedOutcome(request.episodes),
    requests,
  };
}
