/**
 * Global setup of the real-Kodi suite (`npm run test:kodi`): checks that Kodi, Xvfb,
 * ffmpeg and the namespace tools are installed (a clear failure, never a silent skip),
 * makes the media fixtures once for the whole run, and removes them at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureMediaFixtures } from './fixtures.js';
import { kodiPrerequisites } from './kodi.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Folder of the media fixtures made once per run (see fixtures.ts). */
    kodiFixtures: string;
  }
}

export default function setup(project: TestProject): () => void {
  const missing = kodiPrerequisites();
  if (missing.length > 0) {
    throw new Error(`The real-Kodi tests need: ${missing.join(', ')}. On Debian: apt-get install -y kodi xvfb ffmpeg iproute2`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'phaseq-kodi-fixtures-'));
  ensureMediaFixtures(dir);
  project.provide('kodiFixtures', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
