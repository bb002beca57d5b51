/**
 * `phaseq worker` as a real process: it runs the job types of a `--plugin` module for
 * jobs that `phaseq add` stores from other processes, stops gracefully on SIGTERM (the
 * running job finishes, or goes back to pending when the shutdown timeout passes), exits
 * at once on a second signal, and keeps failed jobs for `jobs retry` with --retain-failed.
 * Also `stats --watch`, which runs until interrupted.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { logRecords, requireBin, runCli, startCli, tempDir, TEST_PLUGIN, until, type RunningCli } from './support/cli.js';

beforeAll(requireBin);

const running: RunningCli[] = [];
afterEach(async () => {
  for (const cli of running.splice(0)) {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
    await cli.exited;
  }
});

async function startWorker(cwd: string, extra: string[] = []): Promise<RunningCli> {
  const worker = startCli(['worker', '--plugin', TEST_PLUGIN, ...extra], cwd);
  running.push(worker);
  await worker.waitForLine((l) => l.includes('"worker ready"'));
  return worker;
}

function add(cwd: string, payload: unknown, extra: string[] = []): Promise<string> {
  return runCli(['add', 'write-file', '--plugin', TEST_PLUGIN, '--payload', JSON.stringify(payload), ...extra], cwd).then((r) => {
    if (r.code !== 0) throw new Error(`add failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim();
  });
}

async function jobState(cwd: string, id: string): Promise<{ state: string; attempts: number } | null> {
  const r = await runCli(['jobs', 'show', id, '--json'], cwd);
  return r.code === 0 ? (JSON.parse(r.stdout) as { state: string; attempts: number }) : null;
}

describe('phaseq worker', () => {
  it('runs jobs that phaseq add stores from other processes, each once, and logs JSON lines', async () => {
    const cwd = tempDir();
    const worker = await startWorker(cwd, ['--concurrency', '2']);
    const files = ['one', 'two', 'three'].map((n) => path.join(cwd, `${n}.txt`));
    const ids = await Promise.all(files.map((file, i) => add(cwd, { file, text: `text ${i}` })));
    await until(() => files.every((f) => existsSync(`${f}.log`)));
    files.forEach((file, i) => expect(readFileSync(file, 'utf8')).toBe(`text ${i}`));
    worker.child.kill('SIGTERM');
    const result = await worker.exited;
    expect(result.code).toBe(0);
    for (const file of files) expect(readFileSync(`${file}.log`, 'utf8').trim().split('\n')).toHaveLength(1);
    const records = logRecords(result.stdout);
    const written = records.filter((r) => r.msg === 'file written').map((r) => r.jobId);
    expect(written.sort()).toEqual([...ids].sort());
    expect(records.some((r) => r.msg === 'queue stopped')).toBe(true);
    const stats = JSON.parse((await runCli(['stats', '--json'], cwd)).stdout) as { pending: number; processing: number };
    expect(stats.pending + stats.processing).toBe(0);
  }, 180_000);

  it('lets the running job finish on SIGTERM and exits 0', async () => {
    const cwd = tempDir();
    const worker = await startWorker(cwd);
    const file = path.join(cwd, 'slow.txt');
    const id = await add(cwd, { file, text: 'finished', waitMs: 1500 });
    await until(() => existsSync(`${file}.started`));
    worker.child.kill('SIGTERM');
    const result = await worker.exited;
    expect(result.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('finished');
    expect(logRecords(result.stdout).some((r) => r.msg === 'stopping: waiting for running jobs' && r.signal === 'SIGTERM')).toBe(true);
    expect(await jobState(cwd, id)).toBeNull();
  }, 120_000);

  it('puts a job that outlives --shutdown-timeout back to pending, exits 0, and the next worker finishes it', async () => {
    const cwd = tempDir();
    const worker = await startWorker(cwd, ['--shutdown-timeout', '100ms']);
    const file = path.join(cwd, 'long.txt');
    const id = await add(cwd, { file, text: 'second run', waitMs: 3000 });
    await until(() => existsSync(`${file}.started`));
    worker.child.kill('SIGTERM');
    const result = await worker.exited;
    expect(result.code).toBe(0);
    expect(existsSync(file)).toBe(false);
    expect(await jobState(cwd, id)).toMatchObject({ state: 'pending', attempts: 0 });

    const next = await startWorker(cwd);
    await until(() => existsSync(file));
    expect(readFileSync(file, 'utf8')).toBe('second run');
    next.child.kill('SIGINT');
    expect((await next.exited).code).toBe(0);
    expect(readFileSync(`${file}.log`, 'utf8').trim().split('\n')).toEqual([id]);
  }, 180_000);

  it('exits at once with code 1 on a second signal', async () => {
    const cwd = tempDir();
    const worker = await startWorker(cwd, ['--shutdown-timeout', '10m']);
    const file = path.join(cwd, 'stuck.txt');
    await add(cwd, { file, text: 'never', waitMs: 600_000 });
    await until(() => existsSync(`${file}.started`));
    worker.child.kill('SIGTERM');
    await worker.waitForLine((l) => l.includes('stopping: waiting for running jobs'));
    worker.child.kill('SIGTERM');
    const result = await worker.exited;
    expect(result.code).toBe(1);
    expect(logRecords(result.stdout).some((r) => r.msg === 'second signal: exiting now')).toBe(true);
    expect(existsSync(file)).toBe(false);
  }, 120_000);

  it('keeps failed jobs with --retain-failed; jobs retry puts them back to pending', async () => {
    const cwd = tempDir();
    const worker = await startWorker(cwd, ['--retain-failed', '--max-retries', '0']);
    const added = await runCli(['add', 'always-fail', '--plugin', TEST_PLUGIN, '--payload', '{"reason":"disk on fire"}'], cwd);
    const id = added.stdout.trim();
    await until(async () => (await jobState(cwd, id))?.state === 'failed');
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);

    const failed = JSON.parse((await runCli(['jobs', 'list', '--state', 'failed', '--json'], cwd)).stdout) as {
      id: string;
      lastError: string;
    }[];
    expect(failed).toEqual([expect.objectContaining({ id, lastError: expect.stringContaining('disk on fire') })]);
    const retry = await runCli(['jobs', 'retry', id], cwd);
    expect(retry.code).toBe(0);
    expect(retry.stdout).toContain('pending again');
    expect(await jobState(cwd, id)).toMatchObject({ state: 'pending', attempts: 0 });
    const again = await runCli(['jobs', 'retry', id], cwd);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(`error: No failed job with id ${id}`);
  }, 180_000);

  it('refuses to start without any job type (exit 2, one line)', async () => {
    const result = await runCli(['worker'], tempDir());
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('error: No job types to run: give --plugin <module>, --media-library <path> or --tv-library <path>');
  });
});

describe('phaseq stats --watch', () => {
  it('prints a snapshot per interval until SIGINT, then exits 0', async () => {
    const cwd = tempDir();
    await add(cwd, { file: path.join(cwd, 'x.txt'), text: 'x' });
    const watch = startCli(['stats', '--watch', '--json', '--interval', '100ms'], cwd);
    running.push(watch);
    await until(
      () =>
        watch
          .stdout()
          .split('\n')
          .filter((l) => l.startsWith('{')).length >= 3,
    );
    watch.child.kill('SIGINT');
    const result = await watch.exited;
    expect(result.code).toBe(0);
    const snapshots = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { pending: number; at: string });
    expect(snapshots.length).toBeGreaterThanOrEqual(3);
    expect(snapshots.every((s) => s.pending === 1)).toBe(true);
    expect(new Set(snapshots.map((s) => s.at)).size).toBe(snapshots.length);
  }, 120_000);
});
