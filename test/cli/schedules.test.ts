/**
 * `phaseq schedules list|run` of the built bin against a real SQLite file in which the
 * library declared the schedules: the table and --json, running a media schedule without
 * a provider and a plugin's schedule with --plugin, and the errors (exit 1 / exit 2, one line).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { z } from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { JobQueue, SQLiteJobQueueStorage } from '../../src/index.js';
import { scheduledVerificationSchema } from '../../src/media/index.js';
import { requireBin, runCli, tempDir, TEST_PLUGIN } from './support/cli.js';

beforeAll(requireBin);

interface ListedSchedule {
  name: string;
  cron: string | null;
  everyMs: number | null;
  tz: string | null;
  job: { type: string; payload: unknown; priority: number };
  lastRunAt: number | null;
  nextRunAt: number | null;
}

interface ListedJob {
  id: string;
  type: string;
  state: string;
  payload: unknown;
  manual: boolean;
}

function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '');
}

/**
 * A temp folder whose database holds two schedules declared by the library, as a host
 * would: the media `scheduled-verification` nightly (in Paris time) and a plugin's
 * `write-file` every 90 seconds. No process fires them.
 */
async function declaredSchedules(): Promise<{ cwd: string; db: string }> {
  const cwd = tempDir('phaseq-cli-schedules-');
  const db = path.join(cwd, 'data/phaseq.db');
  mkdirSync(path.dirname(db));
  const queue = new JobQueue({
    storage: new SQLiteJobQueueStorage({ filename: db }),
    logger: pino({ level: 'silent' }),
    scheduler: false,
  });
  queue.registry.register('scheduled-verification', () => undefined, { schema: scheduledVerificationSchema });
  queue.registry.register('write-file', () => undefined, { schema: z.strictObject({ file: z.string(), text: z.string() }) });
  await queue.schedule(
    'nightly-verify',
    { cron: '30 3 * * *' },
    { type: 'scheduled-verification', payload: { libraryPath: path.join(cwd, 'library') } },
    { tz: 'Europe/Paris' },
  );
  await queue.schedule('touch', { everyMs: 90_000 }, { type: 'write-file', payload: { file: path.join(cwd, 'out.txt'), text: 'hi' } });
  await queue.stop();
  return { cwd, db };
}

describe('phaseq schedules list', () => {
  it('prints a table of the schedules with trigger, job type, last and next run', async () => {
    const { cwd } = await declaredSchedules();
    const result = await runCli(['schedules', 'list'], cwd);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+TRIGGER\s+JOB TYPE\s+LAST RUN\s+NEXT RUN$/);
    expect(lines).toHaveLength(3);
    const verify = lines.find((l) => l.startsWith('nightly-verify'))!;
    expect(verify).toMatch(/cron 30 3 \* \* \* \(Europe\/Paris\)\s+scheduled-verification\s+never\s+\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
    const touch = lines.find((l) => l.startsWith('touch'))!;
    expect(touch).toMatch(/every 90 s\s+write-file\s+never\s+\d{4}-\d\d-\d\dT/);
  });

  it('prints the schedules as JSON with --json, next runs in epoch milliseconds', async () => {
    const { cwd } = await declaredSchedules();
    const before = Date.now();
    const result = await runCli(['schedules', 'list', '--json'], cwd);
    expect(result.code).toBe(0);
    const listed = JSON.parse(result.stdout) as ListedSchedule[];
    expect(listed.map((s) => s.name).sort()).toEqual(['nightly-verify', 'touch']);
    const verify = listed.find((s) => s.name === 'nightly-verify')!;
    expect(verify).toMatchObject({ cron: '30 3 * * *', everyMs: null, tz: 'Europe/Paris', lastRunAt: null });
    expect(verify.job).toEqual({ type: 'scheduled-verification', payload: { libraryPath: path.join(cwd, 'library') }, priority: 5 });
    // 03:30 in Paris is 01:30 or 02:30 UTC, within the next day.
    expect(verify.nextRunAt).toBeGreaterThan(before);
    expect(verify.nextRunAt).toBeLessThanOrEqual(before + 24 * 3600_000);
    expect(new Date(verify.nextRunAt!).getUTCMinutes()).toBe(30);
    expect([1, 2]).toContain(new Date(verify.nextRunAt!).getUTCHours());
    expect(listed.find((s) => s.name === 'touch')).toMatchObject({ cron: null, everyMs: 90_000 });
  });

  it('says so when there are none', async () => {
    const result = await runCli(['schedules', 'list'], tempDir());
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('No schedules.');
  });
});

describe('phaseq schedules run', () => {
  it("enqueues a media schedule's job without a provider, prints its id, and the job is listed", async () => {
    const { cwd } = await declaredSchedules();
    const result = await runCli(['schedules', 'run', 'nightly-verify'], cwd);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const id = result.stdout.trim();
    expect(id).toMatch(/^\S+$/);

    const jobs = await runCli(['jobs', 'list', '--json'], cwd);
    expect(jobs.code).toBe(0);
    const listed = JSON.parse(jobs.stdout) as ListedJob[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      id,
      type: 'scheduled-verification',
      state: 'pending',
      manual: true,
      payload: { libraryPath: path.join(cwd, 'library') },
    });

    // Pressed again while that run still waits: the same job, nothing new.
    const again = await runCli(['schedules', 'run', 'nightly-verify', '--json'], cwd);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ name: 'nightly-verify', jobId: id });
    expect(JSON.parse((await runCli(['jobs', 'list', '--json'], cwd)).stdout)).toHaveLength(1);
  });

  it("enqueues a plugin schedule's job with --plugin, and refuses it without (exit 2, one line)", async () => {
    const { cwd } = await declaredSchedules();
    const without = await runCli(['schedules', 'run', 'touch'], cwd);
    expect(without.code).toBe(2);
    expect(errorLines(without.stderr)).toEqual([
      'error: Schedule "touch" runs job type "write-file", which no --plugin registers: give the plugin module that defines it with --plugin',
    ]);
    expect(JSON.parse((await runCli(['jobs', 'list', '--json'], cwd)).stdout)).toEqual([]);

    const withPlugin = await runCli(['schedules', 'run', 'touch', '--plugin', TEST_PLUGIN], cwd);
    expect(withPlugin.code).toBe(0);
    const listed = JSON.parse((await runCli(['jobs', 'list', '--json'], cwd)).stdout) as ListedJob[];
    expect(listed.map((j) => [j.id, j.type])).toEqual([[withPlugin.stdout.trim(), 'write-file']]);
  });

  it('fails with exit 1 and one line for an unknown name', async () => {
    const { cwd } = await declaredSchedules();
    const result = await runCli(['schedules', 'run', 'nope'], cwd);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(errorLines(result.stderr)).toEqual(['error: No schedule named "nope"']);
  });

  it('fails with exit 2 and one line without a name', async () => {
    const { cwd } = await declaredSchedules();
    const result = await runCli(['schedules', 'run'], cwd);
    expect(result.code).toBe(2);
    expect(errorLines(result.stderr)).toEqual(["error: missing required argument 'name'"]);
  });
});
