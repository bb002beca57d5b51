import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/faults/**', 'test/kodi/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Child-process tests share two cores with the runner: keep file parallelism modest.
    maxWorkers: 2,
    typecheck: {
      enabled: true,
      include: ['test/**/*.test-d.ts'],
      // Only the type tests and what they import: the whole project is checked by the build.
      tsconfig: './tsconfig.typetest.json',
    },
  },
});
