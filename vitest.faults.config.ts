import { defineConfig } from 'vitest/config';

/**
 * The heavy fault, load and soak suite (`npm run test:faults`). Files run one at a time:
 * each one spawns processes or fills a large database, and its figures are only
 * meaningful when it has the machine to itself. Figures go to docs/reliability.md.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    maxWorkers: 1,
  },
});
