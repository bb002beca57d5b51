/**
 * The package as a user gets it: `npm pack` of this checkout (dist/ is built by `npm
 * test`'s pretest; `prepack` builds it for a real pack, which CI's `npm run lint:package`
 * exercises on a clean clone), installed from the tarball into a fresh project, then two
 * TypeScript programs in it — one ES module, one CommonJS — type-checked with
 * `skipLibCheck: false` against the shipped declarations and run: each imports
 * phaseq, phaseq/media, phaseq/express and phaseq/bullmq and runs a job through SQLite.
 *
 * The install needs only the npm registry (answered from npm's cache when it can). Its
 * one native module, better-sqlite3, is not compiled again: install scripts are skipped
 * and the binary this checkout built for the same version and Node is copied in.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/tmp.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
  dependencies: Record<string, string>;
};
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** What every program does: a job through SQLite, with the subpaths imported. */
const PROGRAM = `
import { z } from 'zod';
import { HandlerRegistry, JobQueue, SQLiteJobQueueStorage, type Job, type QueueStats } from 'phaseq';
import { LocalProvider, type MediaPluginOptions } from 'phaseq/media';
import { createJobsRouter, type ApiErrorBody } from 'phaseq/express';
import type { BullMQJobQueueStorageOptions } from 'phaseq/bullmq';
import express from 'express';

declare global {
  namespace Phaseq {
    interface JobPayloadMap { double: { n: number } }
  }
}

const registry = new HandlerRegistry();
registry.register('double', async (job: Job<'double'>) => job.payload.n * 2, { schema: z.object({ n: z.number() }) });
const queue = new JobQueue({ storage: new SQLiteJobQueueStorage({ filename: process.argv[2]! }), registry });
const app = express();
app.use('/api', createJobsRouter(queue));
const options: Partial<BullMQJobQueueStorageOptions> = { prefix: 'x' };
const media: Partial<MediaPluginOptions> = { libraryRoots: [] };
const error: ApiErrorBody | null = null;
void [options, media, error, LocalProvider];

queue.on('job:completed', ({ result }) => {
  void queue.getStats().then(async (stats: QueueStats) => {
    await queue.stop();
    console.log('result=' + String(result) + ' pending=' + stats.pending);
  });
});
await queue.start();
// @ts-expect-error: the payload type is checked against JobPayloadMap
void queue.addJob({ type: 'double', payload: { n: 'x' } }).catch(() => {});
await queue.addJob({ type: 'double', payload: { n: 21 } });
`;

/** The CommonJS program cannot use top-level await. */
const CJS_PROGRAM = PROGRAM.replace('await queue.start();', 'void queue.start().then(async () => {').replace(
  "await queue.addJob({ type: 'double', payload: { n: 21 } });",
  "await queue.addJob({ type: 'double', payload: { n: 21 } });\n});",
);

const tsconfig = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: false,
    esModuleInterop: true,
    types: ['node'],
    outDir: 'out',
  },
  include: ['main.ts'],
};

let cleanup = (): void => {};
let app = '';
let tarball = '';
let files: string[] = [];

beforeAll(async () => {
  const tmp = makeTempDir('phaseq-tarball-');
  cleanup = tmp.cleanup;
  // dist/ is already built (pretest); a second build here would race the other test files.
  const { stdout } = await run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp.dir], { cwd: root, timeout: 120_000 });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(tmp.dir, packed!.filename);
  files = packed!.files.map((f) => f.path);

  app = path.join(tmp.dir, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', version: '1.0.0', private: true }));
  const dev = pkg.devDependencies;
  const wanted = [
    tarball,
    `zod@${pkg.dependencies.zod}`,
    `express@${dev.express}`,
    `@types/express@${dev['@types/express']}`,
    `@types/node@${dev['@types/node']}`,
    `ioredis@${dev.ioredis}`,
    `bullmq@${dev.bullmq}`,
  ];
  await run(npm, ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', ...wanted], {
    cwd: app,
    timeout: 240_000,
  });
  // The native binary of better-sqlite3, built by this checkout's own install.
  const binary = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
  mkdirSync(path.dirname(path.join(app, binary)), { recursive: true });
  copyFileSync(path.join(root, binary), path.join(app, binary));

  for (const [dir, type, program] of [
    ['esm', 'module', PROGRAM],
    ['cjs', 'commonjs', CJS_PROGRAM],
  ] as const) {
    mkdirSync(path.join(app, dir));
    writeFileSync(path.join(app, dir, 'package.json'), JSON.stringify({ type }));
    writeFileSync(path.join(app, dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    writeFileSync(path.join(app, dir, 'main.ts'), program);
  }
}, 300_000);

afterAll(() => cleanup());

describe('the packed tarball', () => {
  it('holds the build, the licence and the docs a user reads, and no source maps', () => {
    for (const file of [
      'dist/index.js',
      'dist/index.cjs',
      'dist/index.d.ts',
      'dist/index.d.cts',
      'dist/cli.js',
      'dist/media.js',
      'dist/express.js',
      'dist/bullmq.js',
      'LICENSE',
      'README.md',
      'CHANGELOG.md',
      'package.json',
    ]) {
      expect(files, file).toContain(file);
    }
    expect(files.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
    const shipped = JSON.parse(readFileSync(path.join(app, 'node_modules/phaseq/package.json'), 'utf8')) as Record<string, unknown>;
    expect(shipped).toMatchObject({
      license: 'MIT',
      sideEffects: false,
      repository: { url: 'git+https://github.com/phaseq/phaseq.git' },
      homepage: 'https://github.com/phaseq/phaseq#readme',
      bugs: { url: 'https://github.com/phaseq/phaseq/issues' },
    });
    expect(readFileSync(path.join(app, 'node_modules/phaseq/LICENSE'), 'utf8')).toMatch(
      /^MIT License\n\nCopyright \(c\) \d{4} phaseq contributors/,
    );
  });

  it('pulls in neither rxjs nor pino-pretty', () => {
    expect(existsSync(path.join(app, 'node_modules/rxjs'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules/typed-emitter'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules/pino-pretty'))).toBe(false);
  });

  it.each(['esm', 'cjs'])(
    'a fresh %s TypeScript project type-checks without skipLibCheck and runs a job',
    async (dir) => {
      const project = path.join(app, dir);
      const checked = await run(process.execPath, [tsc, '-p', project], { cwd: project, timeout: 120_000 }).catch((error: unknown) => ({
        stdout: `tsc failed:\n${(error as { stdout?: string }).stdout ?? String(error)}`,
      }));
      expect(checked.stdout).toBe('');
      const { stdout, stderr } = await run(process.execPath, [path.join(project, 'out/main.js'), path.join(project, 'jobs.db')], {
        cwd: project,
        timeout: 60_000,
      });
      expect(stdout.trim()).toBe('result=42 pending=0');
      // The library is silent when the host gives it no logger.
      expect(stderr).toBe('');
    },
    240_000,
  ); // tsc without skipLibCheck plus a run: about a minute on a busy 2-core runner
});
