import { defineConfig } from 'vitest/config';

/**
 * The real-Kodi suite (`npm run test:kodi`): each file starts its own Kodi 20 (under Xvfb,
 * in its own network namespace) and judges what Kodi lists. Files run one at a time: a
 * scanning Kodi takes a core, and the figures in docs/phases/PLAYER_SYNC.md come from
 * runs that had the machine to themselves.
 */
export default defineConfig({
  test: {
    include: ['test/kodi/**/*.test.ts'],
    globalSetup: ['test/support/kodi/globalSetup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    maxWorkers: 1,
  },
});
