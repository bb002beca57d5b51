import { defineConfig } from 'tsup';

// Optional peers stay external: a host that never imports phaseq/express needs no express.
const external = ['express', 'bullmq', 'ioredis', 'prom-client'];

export default defineConfig([
  {
    // One entry per public subpath (see package.json "exports").
    entry: {
      index: 'src/index.ts',
      express: 'src/express.ts',
      bullmq: 'src/bullmq.ts',
      media: 'src/media/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    target: 'node20',
    platform: 'node',
    // No maps in the package: they doubled its size with embedded sources, and the
    // unminified output reads as it is in a stack trace.
    sourcemap: false,
    clean: true,
    // Shared chunks: phaseq/media, phaseq/express and phaseq/bullmq use the same JobQueue
    // and error classes as phaseq itself (instanceof works across subpaths).
    splitting: true,
    // import.meta.url in the CJS build (the checkpoint thread resolves better-sqlite3 from it).
    shims: true,
    external,
  },
  {
    // The `phaseq` bin.
    entry: { cli: 'src/adapters/cli/main.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    // No maps in the package: they doubled its size with embedded sources, and the
    // unminified output reads as it is in a stack trace.
    sourcemap: false,
    clean: false,
    splitting: false,
    // phaseq/bullmq is loaded at run time by migrate-storage only (optional peers).
    external: [...external, 'phaseq/bullmq'],
  },
]);
