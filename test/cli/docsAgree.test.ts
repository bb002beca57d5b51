/**
 * The command line says what it accepts and accepts what it says: defaults shown in the
 * help are values the option takes, `delayed` is a state everywhere the counts show it,
 * a version or a catalogue that cannot be used is a usage error (exit 2, one line)
 * before anything runs, and an error is told once.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { latestVersion } from '../../src/db/migrate.js';
import { requireBin, runCli, tempDir, TEST_PLUGIN } from './support/cli.js';

beforeAll(requireBin);

const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');

describe('the CLI and its help agree', () => {
  it('shows defaults in the units the options take', async () => {
    const cwd = tempDir();
    const stats = await runCli(['stats', '--help'], cwd);
    expect(stats.stdout).toMatch(/--interval <duration>\s+how often --watch reads the counts: 500ms, 2s, 1m\s+\(default: 1s\)/);
    const worker = await runCli(['worker', '--help'], cwd);
    expect(worker.stdout.replace(/\s+/g, ' ')).toContain('(default: 10s)');
    // What the help shows is accepted.
    expect((await runCli(['stats', '--interval', '1s', '--json'], cwd)).code).toBe(0);
  });

  it('lists delayed jobs, and each says it is delayed', async () => {
    const cwd = tempDir();
    const payload = JSON.stringify({ file: path.join(cwd, 'x'), text: 't' });
    const later = await runCli(['add', 'write-file', '--payload', payload, '--delay', '2d', '--plugin', TEST_PLUGIN], cwd);
    expect(later.code, later.stderr).toBe(0);
    const at = await runCli(['add', 'write-file', '--payload', payload, '--run-at', '2031-01-01T00:00:00Z', '--plugin', TEST_PLUGIN], cwd);
    expect(at.code, at.stderr).toBe(0);
    const now = await runCli(['add', 'write-file', '--payload', payload, '--plugin', TEST_PLUGIN], cwd);
    const delayed = await runCli(['jobs', 'list', '--state', 'delayed', '--json'], cwd);
    expect(delayed.code, delayed.stderr).toBe(0);
    const jobs = JSON.parse(delayed.stdout) as { id: string; state: string; runAt: number }[];
    expect(jobs.map((j) => [j.id, j.state])).toEqual([
      [later.stdout.trim(), 'delayed'],
      [at.stdout.trim(), 'delayed'],
    ]);
    expect(jobs[1]!.runAt).toBe(Date.parse('2031-01-01T00:00:00Z'));
    const pending = JSON.parse((await runCli(['jobs', 'list', '--state', 'pending', '--json'], cwd)).stdout) as {
      id: string;
      state: string;
    }[];
    expect(pending.map((j) => [j.id, j.state])).toEqual([[now.stdout.trim(), 'pending']]);
    const stats = JSON.parse((await runCli(['stats', '--json'], cwd)).stdout) as { pending: number; delayed: number };
    expect([stats.pending, stats.delayed]).toEqual([1, 2]);
  });

  it('migrate --to beyond the last version is a usage error naming the highest', async () => {
    const cwd = tempDir();
    const result = await runCli(['migrate', '--to', '99'], cwd);
    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toEqual([
      `error: option '--to <version>' argument '99' is invalid. The highest version this phaseq knows is ${latestVersion()}.`,
    ]);
    expect((await runCli(['migrate', '--help'], cwd)).stdout).toContain(`0 to ${latestVersion()}`);
  });

  it('config get of an unknown phase says so once', async () => {
    const result = await runCli(['config', 'get', 'nope'], tempDir());
    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toEqual(['error: Unknown phase "nope": phase: must be one of scan, enrichment, publish, playerSync']);
  });

  it.each([
    ['missing', null, /^error: --catalogue .*missing\.json cannot be used: .*cannot read the catalogue: ENOENT/],
    ['not JSON', '{ "movies": [', /^error: --catalogue .*catalogue\.json cannot be used: Catalogue .* is not valid JSON/],
    [
      'not a catalogue',
      '{ "movies": [{ "title": "" }] }',
      /^error: --catalogue .*cannot be used: .*movies\.0\.id: is required.*movies\.0\.title: must not be empty/,
    ],
  ])('a %s --catalogue is a usage error before any job runs', async (_name, content, message) => {
    const cwd = tempDir();
    const library = path.join(cwd, 'movies');
    mkdirSync(path.join(library, 'Heat (1995)'), { recursive: true });
    writeFileSync(path.join(library, 'Heat (1995)', 'Heat.1995.mkv'), 'video');
    const file = path.join(cwd, content === null ? 'missing.json' : 'catalogue.json');
    if (content !== null) writeFileSync(file, content);
    const result = await runCli(['scan', library, '--wait', '--catalogue', file], cwd);
    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    const stats = JSON.parse((await runCli(['stats', '--json'], cwd)).stdout) as {
      pending: number;
      delayed: number;
      processing: number;
      failed: number;
    };
    expect(stats.pending + stats.delayed + stats.processing + stats.failed).toBe(0);
  });
});
