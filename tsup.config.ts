import { existsSync } from 'node:fs';
import { defineConfig } from 'tsup';

// One entry per public subpath (see package.json "exports") plus the CLI bin.
const entries: Record<string, string> = {
  index: 'src/index.ts',
  express: 'src/express.ts',
  bullmq: 'src/bullmq.ts',
  media: 'src/media/index.ts',
};

export default defineConfig([
  {
    entry: Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file))),
    format: ['esm', 'cjs'],
    dts: true,
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    clean: true,
    // Shared chunks: phaseq/media, phaseq/express and phaseq/bullmq use the same JobQueue
    // and error classes as phaseq itself (instanceof works across subpaths).
    splitting: true,
    // Optional peers stay external: a host that never imports phaseq/express needs no express.
    external: ['express', 'bullmq', 'ioredis'],
  },
  {
    entry: existsSync('src/adapters/cli/main.ts') ? { cli: 'src/adapters/cli/main.ts' } : {},
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    clean: false,
    splitting: false,
    // phaseq/bullmq is loaded at run time by migrate-storage only (optional peers).
    external: ['express', 'bullmq', 'ioredis', 'phaseq/bullmq'],
  },
]);
