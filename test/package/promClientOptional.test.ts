/**
 * prom-client is an optional peer: a host that installs phaseq and express but not
 * prom-client can load `phaseq/express` (ESM and CommonJS) and compile against its
 * declarations; only creating a metrics router tells it, by name, what to install.
 *
 * The host is a temp folder whose node_modules holds a copy of the built package and
 * links to every installed package except prom-client, so nothing can find it.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/tmp.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
let host = '';
let cleanup = (): void => {};

beforeAll(() => {
  const tmp = makeTempDir('phaseq-no-prom-');
  host = tmp.dir;
  cleanup = tmp.cleanup;
  const modules = path.join(host, 'node_modules');
  const pkg = path.join(modules, 'phaseq');
  mkdirSync(pkg, { recursive: true });
  cpSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
  cpSync(path.join(root, 'dist'), path.join(pkg, 'dist'), { recursive: true });
  for (const name of readdirSync(path.join(root, 'node_modules'))) {
    if (name === 'prom-client' || name === 'phaseq' || name.startsWith('.')) continue;
    symlinkSync(path.join(root, 'node_modules', name), path.join(modules, name));
  }
});
afterAll(() => cleanup());

const program = `
  const queue = new JobQueue({ storage: new MemoryJobQueueStorage(), registry: new HandlerRegistry() });
  const out = { jobsRouter: typeof createJobsRouter(queue) };
  try {
    createMetricsRouter(queue);
    out.metrics = 'created';
  } catch (error) {
    out.metrics = { code: error.code, message: error.message };
  }
  console.log(JSON.stringify(out));
`;

describe('phaseq/express without prom-client', () => {
  it.each([
    [
      'ES module',
      'main.mjs',
      `import { JobQueue, MemoryJobQueueStorage, HandlerRegistry } from 'phaseq'; import { createJobsRouter, createMetricsRouter } from 'phaseq/express';`,
    ],
    [
      'CommonJS',
      'main.cjs',
      `const { JobQueue, MemoryJobQueueStorage, HandlerRegistry } = require('phaseq'); const { createJobsRouter, createMetricsRouter } = require('phaseq/express');`,
    ],
  ])('the %s build loads; createMetricsRouter names the package to install', async (_name, file, load) => {
    writeFileSync(path.join(host, file), `${load}\n${program}`);
    const { stdout } = await run(process.execPath, [file], { cwd: host, timeout: 30_000 });
    const out = JSON.parse(stdout) as { jobsRouter: string; metrics: { code: string; message: string } };
    expect(out.jobsRouter).toBe('function');
    expect(out.metrics.code).toBe('MISSING_DEPENDENCY');
    expect(out.metrics.message).toContain('npm install prom-client@^15');
  });

  it('its declarations compile without prom-client (skipLibCheck off)', async () => {
    writeFileSync(
      path.join(host, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['host.ts'],
      }),
    );
    writeFileSync(
      path.join(host, 'host.ts'),
      `import { createMetricsRouter, type MetricsRegistry } from 'phaseq/express';\n` +
        `import type { JobQueue } from 'phaseq';\n` +
        `export const make = (queue: JobQueue, registry?: MetricsRegistry) => createMetricsRouter(queue, { registry });\n`,
    );
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', host], { cwd: host, timeout: 120_000 }).catch(
      (error: unknown) => error as { stdout: string },
    );
    expect(result.stdout).toBe('');
  }, 180_000); // tsc over the whole declaration graph without skipLibCheck; slow on a busy 2-core runner
});
