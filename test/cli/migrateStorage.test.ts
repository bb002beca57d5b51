/** `phaseq migrate-storage`: the built bin moves a SQLite file's jobs to Redis. */
import path from 'node:path';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, SQLiteJobQueueStorage } from '../../src/index.js';
import { BullMQJobQueueStorage } from '../../src/backends/redis/storage.js';
import { deletePrefix, freshPrefix, REDIS_URL, redisSkipReason } from '../bullmq/redisTestEnv.js';
import { requireBin, runCli, tempDir } from './support/cli.js';

const skip = await redisSkipReason();

describe.skipIf(skip !== null)(`phaseq migrate-storage${skip ? ` — skipped: ${skip}` : ''}`, () => {
  beforeAll(() => requireBin());

  it('moves pending and delayed jobs to Redis, and a second run moves nothing', async () => {
    const cwd = tempDir();
    const file = path.join(cwd, 'jobs.db');
    const registry = new HandlerRegistry();
    registry.register('t', async () => {}, { schema: z.object({ i: z.number() }) });
    const source = new JobQueue({ storage: new SQLiteJobQueueStorage({ filename: file }), registry, logger: pino({ level: 'silent' }) });
    await source.addJobs(Array.from({ length: 20 }, (_, i) => ({ type: 't', payload: { i }, ...(i % 2 ? { delayMs: 60_000 } : {}) })));
    await source.stop();
    const prefix = freshPrefix();
    try {
      const first = await runCli(['migrate-storage', '--from', `sqlite:${file}`, '--to', REDIS_URL, '--prefix', prefix, '--json'], cwd);
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({ moved: 20 });
      const target = new BullMQJobQueueStorage({ connection: REDIS_URL, prefix });
      await target.init();
      expect(await target.stats(Date.now())).toMatchObject({ pending: 10, delayed: 10 });
      await target.close();
      const again = await runCli(['migrate-storage', '--from', `sqlite:${file}`, '--to', REDIS_URL, '--prefix', prefix, '--json'], cwd);
      expect(JSON.parse(again.stdout)).toMatchObject({ moved: 0 });
    } finally {
      await deletePrefix(prefix);
    }
  });

  it('refuses a bad location with a usage error and moves nothing', async () => {
    const cwd = tempDir();
    const bad = await runCli(['migrate-storage', '--from', 'sqlite:/nope/missing.db', '--to', 'http://x'], cwd);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
