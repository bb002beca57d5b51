import { defineConfig } from 'tsup';

// One entry per public subpath; later subpaths (express, bullmq, media, cli) are added here.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
  splitting: false,
});
