/**
 * The published builds, not the sources: `npm test` builds dist/ first (pretest), and a
 * host may load either the CommonJS or the ES module build. Each runs a job end to end on
 * a SQLite file in its own process, so a construct that exists only in one module system
 * (import.meta in CJS, require in ESM) fails here rather than in a user's app.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/tmp.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const temps: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of temps.splice(0)) cleanup();
});

const program = (load: string) => `
${load}
const { z } = requireFromRoot('zod');
const registry = new HandlerRegistry();
registry.register('double', async (job) => job.payload.n * 2, { schema: z.object({ n: z.number() }) });
const queue = new JobQueue({ storage: new SQLiteJobQueueStorage({ filename: process.argv[2] }), registry, logger: requireFromRoot('pino')({ level: 'silent' }) });
queue.on('job:completed', async ({ result }) => {
  await queue.stop();
  console.log('result=' + result);
});
queue.start().then(() => queue.addJob({ type: 'double', payload: { n: 21 } }));
`;

describe('published builds', () => {
  it.each([
    [
      'CommonJS',
      `const { JobQueue, HandlerRegistry, SQLiteJobQueueStorage } = require(${JSON.stringify(path.join(root, 'dist/index.cjs'))}); const requireFromRoot = require('node:module').createRequire(${JSON.stringify(path.join(root, 'package.json'))});`,
      '.cjs',
    ],
    [
      'ES module',
      `import { JobQueue, HandlerRegistry, SQLiteJobQueueStorage } from ${JSON.stringify(path.join(root, 'dist/index.js'))}; import { createRequire } from 'node:module'; const requireFromRoot = createRequire(${JSON.stringify(path.join(root, 'package.json'))});`,
      '.mjs',
    ],
  ])('the %s build runs a job on SQLite', async (_name, load, ext) => {
    const { dir, cleanup } = makeTempDir('phaseq-build-');
    temps.push(cleanup);
    const { writeFileSync } = await import('node:fs');
    const script = path.join(dir, `main${ext}`);
    writeFileSync(script, program(load));
    const { stdout } = await run(process.execPath, [script, path.join(dir, 'jobs.db')], { cwd: dir, timeout: 30_000 });
    expect(stdout.trim()).toBe('result=42');
  });
});
