/**
 * `phaseq pause [type]` and `phaseq resume [type]` against a real SQLite file: the stored
 * state (read back by `stats`), their text and --json output, a running worker that stops
 * and starts claiming, and the usage error for an empty type.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBin, runCli, spawnCli, tempDir, TEST_PLUGIN } from './support/cli.js';

beforeAll(requireBin);

async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('phaseq pause / resume', () => {
  it('pauses and resumes the whole queue or one type, and says what is paused', async () => {
    const cwd = tempDir();
    const paused = await runCli(['pause'], cwd);
    expect(paused.code).toBe(0);
    expect(paused.stdout.trim()).toBe('paused the whole queue; the whole queue is paused');
    expect((await runCli(['pause'], cwd)).stdout).toContain('the whole queue was already paused');
    const one = JSON.parse((await runCli(['pause', 'write-file', '--json'], cwd)).stdout) as unknown;
    expect(one).toEqual({ type: 'write-file', changed: true, paused: true, pausedTypes: ['write-file'] });
    const stats = await runCli(['stats'], cwd);
    expect(stats.stdout).toContain('the whole queue is paused');
    expect(stats.stdout).toContain('paused job types: write-file');
    expect((await runCli(['resume'], cwd)).stdout.trim()).toBe('resumed the whole queue; paused job types: write-file');
    expect((await runCli(['resume', 'nope'], cwd)).stdout.trim()).toBe('job type nope was not paused; paused job types: write-file');
    expect((await runCli(['resume', 'write-file'], cwd)).stdout.trim()).toBe('resumed job type write-file; nothing is paused');
    const json = JSON.parse((await runCli(['stats', '--json'], cwd)).stdout) as { paused: boolean; pausedTypes: string[] };
    expect(json).toMatchObject({ paused: false, pausedTypes: [] });
  });

  it('refuses an empty type with exit 2 and changes nothing', async () => {
    const cwd = tempDir();
    const result = await runCli(['pause', ' '], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('type');
    expect((await runCli(['stats', '--json'], cwd)).stdout).toContain('"paused":false');
  });

  it('a running worker stops starting jobs of a paused type and starts them once resumed', async () => {
    const cwd = tempDir();
    const file = path.join(cwd, 'out.txt');
    expect((await runCli(['pause', 'write-file'], cwd)).code).toBe(0);
    const worker = spawnCli(['worker', '--plugin', TEST_PLUGIN], cwd);
    let out = '';
    worker.stdout.on('data', (d: Buffer) => (out += d.toString()));
    worker.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => worker.on('close', (code) => r(code)));
    try {
      await waitFor(() => out.includes('worker ready'), 20_000, 'the worker');
      const add = await runCli(['add', 'write-file', '--plugin', TEST_PLUGIN, '--payload', JSON.stringify({ file, text: 'hi' })], cwd);
      expect(add.code).toBe(0);
      await new Promise((r) => setTimeout(r, 500));
      expect(existsSync(file)).toBe(false);
      const stats = JSON.parse((await runCli(['stats', '--json'], cwd)).stdout) as {
        byType: Record<string, { pending: number; paused: boolean; workers: number }>;
      };
      expect(stats.byType['write-file']).toMatchObject({ pending: 1, paused: true, workers: 1 });
      expect((await runCli(['resume', 'write-file'], cwd)).code).toBe(0);
      await waitFor(() => existsSync(file), 10_000, 'the job to run after resume');
    } finally {
      worker.kill('SIGTERM');
      await exited;
    }
  });
});
