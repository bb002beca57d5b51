/**
 * The demo libraries: three movie folders, and a small TV library (two shows, one with a
 * two-episode file), with placeholder videos created when missing. The videos are sparse
 * files: they report 200 MiB (above the scan phase's default 50 MiB minimum, so the
 * default settings find them) but take no disk space.
 */
import { existsSync, mkdirSync, openSync, closeSync, ftruncateSync } from 'node:fs';
import path from 'node:path';

/** Movie folders of the demo library; each matches an entry of catalogue.json. */
export const SAMPLE_MOVIES = ['The Matrix (1999)', 'Alien (1979)', 'Spirited Away (2001)'] as const;

/**
 * Episode files of the demo TV library, relative to it; each show and episode matches the
 * `series` section of catalogue.json. `S06E04E05` is one file holding two episodes.
 */
export const SAMPLE_EPISODES = [
  'Breaking Bad (2008)/Season 01/Breaking.Bad.S01E01.1080p.mkv',
  'Breaking Bad (2008)/Season 01/Breaking.Bad.S01E02.1080p.mkv',
  'The Office (2005)/Season 06/The.Office.S06E04E05.Niagara.720p.mkv',
] as const;

const PLACEHOLDER_BYTES = 200 * 1024 * 1024;

function placeholder(video: string): void {
  if (existsSync(video)) return;
  mkdirSync(path.dirname(video), { recursive: true });
  const fd = openSync(video, 'w');
  try {
    ftruncateSync(fd, PLACEHOLDER_BYTES);
  } finally {
    closeSync(fd);
  }
}

/** Creates the missing movie folders and videos under `root`; returns `root`, absolute. */
export function ensureSampleLibrary(root: string): string {
  const library = path.resolve(root);
  for (const movie of SAMPLE_MOVIES) placeholder(path.join(library, movie, `${movie}.mkv`));
  return library;
}

/** Creates the missing show folders and episode videos under `root`; returns `root`, absolute. */
export function ensureSampleTvLibrary(root: string): string {
  const library = path.resolve(root);
  for (const episode of SAMPLE_EPISODES) placeholder(path.join(library, ...episode.split('/')));
  return library;
}
