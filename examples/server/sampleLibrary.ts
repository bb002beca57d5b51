/**
 * The demo library: three movie folders with placeholder videos, created when missing.
 * The videos are sparse files: they report 200 MiB (above the scan phase's default
 * 50 MiB minimum, so the default settings find them) but take no disk space.
 */
import { existsSync, mkdirSync, openSync, closeSync, ftruncateSync } from 'node:fs';
import path from 'node:path';

/** Movie folders of the demo library; each matches an entry of catalogue.json. */
export const SAMPLE_MOVIES = ['The Matrix (1999)', 'Alien (1979)', 'Spirited Away (2001)'] as const;

const PLACEHOLDER_BYTES = 200 * 1024 * 1024;

/** Creates the missing movie folders and videos under `root`; returns `root`, absolute. */
export function ensureSampleLibrary(root: string): string {
  const library = path.resolve(root);
  for (const movie of SAMPLE_MOVIES) {
    const folder = path.join(library, movie);
    const video = path.join(folder, `${movie}.mkv`);
    if (existsSync(video)) continue;
    mkdirSync(folder, { recursive: true });
    const fd = openSync(video, 'w');
    try {
      ftruncateSync(fd, PLACEHOLDER_BYTES);
    } finally {
      closeSync(fd);
    }
  }
  return library;
}
