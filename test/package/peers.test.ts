/**
 * The subpaths whose optional peers are missing: importing `phaseq/express` without
 * express (or `phaseq/bullmq` without ioredis) names the package and the command that
 * installs it, in both builds, while `phaseq` and `phaseq/media` need none of them.
 * Run against dist/ (built by `npm test`'s pretest), with the peers made unresolvable.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const hide = path.join(import.meta.dirname, 'fixtures/hidePackages.cjs');

/** Loads `file` (ESM with import(), CJS with require) with `hidden` unresolvable; prints the outcome. */
async function load(file: string, hidden: string): Promise<string> {
  const target = JSON.stringify(path.join(root, 'dist', file));
  const code = file.endsWith('.cjs')
    ? `try { require(${target}); console.log('loaded'); } catch (e) { console.log(e.code + ': ' + e.message); }`
    : `import(${target}).then(() => console.log('loaded'), (e) => console.log(e.code + ': ' + e.message));`;
  const { stdout } = await run(process.execPath, ['-r', hide, '-e', code], { env: { ...process.env, HIDE: hidden }, timeout: 30_000 });
  return stdout.trim();
}

describe('optional peers that are not installed', () => {
  it.each(['express.js', 'express.cjs'])('phaseq/express (%s) names express and how to install it', async (file) => {
    expect(await load(file, 'express')).toBe(
      'MISSING_DEPENDENCY: phaseq/express needs the package "express" (^5), an optional peer dependency of phaseq that is not installed. ' +
        'Install it next to phaseq: npm install express@^5',
    );
  });

  it.each(['bullmq.js', 'bullmq.cjs'])('phaseq/bullmq (%s) names ioredis and how to install it', async (file) => {
    expect(await load(file, 'ioredis')).toMatch(
      /^MISSING_DEPENDENCY: phaseq\/bullmq needs the package "ioredis" \(\^5\).*npm install ioredis@\^5$/,
    );
  });

  it.each(['index.js', 'index.cjs'])('%s runs jobs without @opentelemetry/api (traces off, nothing stored)', async (file) => {
    const target = JSON.stringify(path.join(root, 'dist', file));
    const body = `
      const { JobQueue, HandlerRegistry, MemoryJobQueueStorage } = m;
      const { z } = require('zod');
      const registry = new HandlerRegistry();
      registry.register('t', () => 'done', { schema: z.object({}) });
      const queue = new JobQueue({ storage: new MemoryJobQueueStorage(), registry });
      queue.on('job:completed', async ({ job }) => { console.log('ran ' + ('trace' in job)); await queue.stop(); });
      queue.start().then(() => queue.addJob({ type: 't', payload: {} }));`;
    const code = file.endsWith('.cjs')
      ? `const m = require(${target}); ${body}`
      : `const { createRequire } = require('node:module'); const require2 = createRequire(${target}); import(${target}).then((m) => { const require = require2; ${body} });`;
    const { stdout } = await run(process.execPath, ['-r', hide, '-e', code], {
      env: { ...process.env, HIDE: '@opentelemetry/api' },
      timeout: 30_000,
      cwd: root,
    });
    expect(stdout.trim()).toBe('ran false');
  });

  it.each(['index.js', 'index.cjs', 'media.js', 'media.cjs'])('%s needs none of them', async (file) => {
    expect(await load(file, 'express,ioredis,bullmq')).toBe('loaded');
  });
});
