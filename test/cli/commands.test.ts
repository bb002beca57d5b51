/**
 * Every short-lived command of the built `phaseq` bin against a real SQLite file in a
 * temp directory: migrate, config, add, stats and jobs, their --json output, and the
 * usage errors (exit 2, one line on stderr, a stack only with --verbose).
 */
import { CORE_MIGRATIONS } from '../../src/db/migrations/index.js';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBin, runCli, tempDir, TEST_PLUGIN } from './support/cli.js';

beforeAll(requireBin);

function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '');
}

describe('phaseq migrate', () => {
  it('creates ./data/phaseq.db with its folder, applies every core migration once, and rolls back with --to', async () => {
    const cwd = tempDir();
    const first = await runCli(['migrate', '--json'], cwd);
    expect(first.code).toBe(0);
    const applied = JSON.parse(first.stdout) as { from: number; version: number; steps: { version: number; direction: string }[] };
    expect(applied.from).toBe(0);
    // The core's migrations; the media tables come with the media plugin (its own set).
    expect(applied.steps.map((s) => s.version)).toEqual(CORE_MIGRATIONS.map((m) => m.version));
    expect(applied.version).toBe(Math.max(...CORE_MIGRATIONS.map((m) => m.version)));
    expect(existsSync(path.join(cwd, 'data/phaseq.db'))).toBe(true);

    const again = await runCli(['migrate'], cwd);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to do');

    const down = await runCli(['migrate', '--to', '1', '--json'], cwd);
    expect(down.code).toBe(0);
    const reverted = JSON.parse(down.stdout) as { version: number; steps: { version: number; direction: string }[] };
    expect(reverted.version).toBe(1);
    expect(reverted.steps.every((s) => s.direction === 'down')).toBe(true);
    const db = new Database(path.join(cwd, 'data/phaseq.db'), { readonly: true });
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    db.close();
    expect(tables.map((t) => t.name)).toContain('jobs');
    expect(tables.map((t) => t.name)).not.toContain('app_settings');
  });

  it('refuses a version that is not a whole number with exit 2 and one line', async () => {
    const result = await runCli(['migrate', '--to', 'latest'], tempDir());
    expect(result.code).toBe(2);
    expect(errorLines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain("'latest' is invalid");
  });
});

describe('phaseq config', () => {
  it('gets, sets with coercion, and resets phase settings in the --db file', async () => {
    const cwd = tempDir();
    const db = path.join(cwd, 'custom/settings.db');
    const set = await runCli(['config', 'set', 'enrichment.maxPoster', '7', '--db', db], cwd);
    expect(set.code).toBe(0);
    expect(set.stdout.trim()).toBe('enrichment.maxPoster = 7');

    const get = await runCli(['config', 'get', 'enrichment', '--json', '--db', db], cwd);
    expect((JSON.parse(get.stdout) as { maxPoster: number }).maxPoster).toBe(7);
    const all = await runCli(['config', 'get', '--db', db], cwd);
    expect(all.stdout).toContain('enrichment.maxPoster = 7');
    expect(all.stdout).toContain('scan.minFileSizeMB = ');

    const reset = await runCli(['config', 'reset', 'enrichment', '--db', db], cwd);
    expect(reset.code).toBe(0);
    const after = await runCli(['config', 'get', 'enrichment', '--json', '--db', db], cwd);
    expect((JSON.parse(after.stdout) as { maxPoster: number }).maxPoster).not.toBe(7);
  });

  it('rejects a bad value, an unknown key and an unknown phase with exit 2, one line, and stores nothing', async () => {
    const cwd = tempDir();
    for (const args of [
      ['config', 'set', 'enrichment.maxPoster', 'lots'],
      ['config', 'set', 'enrichment.maxPoster', '100000'],
      ['config', 'set', 'enrichment.noSuchSetting', '1'],
      ['config', 'get', 'noSuchPhase'],
    ]) {
      const result = await runCli(args, cwd);
      expect(result.code, args.join(' ')).toBe(2);
      expect(errorLines(result.stderr), args.join(' ')).toHaveLength(1);
      expect(result.stderr).toMatch(/^error: /);
    }
    const bad = await runCli(['config', 'set', 'enrichment.maxPoster', 'lots'], cwd);
    expect(bad.stderr).toContain('enrichment.maxPoster');
    const get = await runCli(['config', 'get', 'enrichment', '--json'], cwd);
    const describe = await runCli(['config', 'describe', '--json'], cwd);
    const fields = (JSON.parse(describe.stdout) as { phase: string; fields: { key: string; default: unknown }[] }[]).find(
      (p) => p.phase === 'enrichment',
    )!.fields;
    expect((JSON.parse(get.stdout) as { maxPoster: number }).maxPoster).toBe(fields.find((f) => f.key === 'maxPoster')!.default);
  });

  it('prints the stack of an error only with --verbose', async () => {
    const cwd = tempDir();
    const quiet = await runCli(['config', 'set', 'enrichment.maxPoster', 'lots'], cwd);
    expect(quiet.stderr).not.toMatch(/\n\s+at /);
    const verbose = await runCli(['config', 'set', 'enrichment.maxPoster', 'lots', '--verbose'], cwd);
    expect(verbose.code).toBe(2);
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });
});

describe('phaseq add, stats and jobs', () => {
  it('adds media jobs: checked against the media schemas, with or without the provider options of scan', async () => {
    const cwd = tempDir();
    const library = path.join(cwd, 'movies');
    const scan = await runCli(['add', 'scan-movie', '--payload', JSON.stringify({ libraryPath: library, refresh: true }), '--json'], cwd);
    expect(scan.code).toBe(0);
    const id = (JSON.parse(scan.stdout) as { id: string }).id;
    const job = JSON.parse((await runCli(['jobs', 'show', id, '--json'], cwd)).stdout) as { type: string; payload: unknown };
    expect(job).toMatchObject({ type: 'scan-movie', payload: { libraryPath: library, refresh: true } });
    const catalogue = path.join(cwd, 'catalogue.json');
    writeFileSync(catalogue, JSON.stringify({ version: 1, movies: [] }));
    const enrich = await runCli(
      ['add', 'enrich-metadata', '--catalogue', catalogue, '--payload', '{"entityType":"movie","entityId":1}'],
      cwd,
    );
    expect(enrich.code).toBe(0);
    const notify = await runCli(['add', 'notify-kodi', '--payload', '{"player":"living-room"}'], cwd);
    expect(notify.code).toBe(0);
    // The media schema still checks the payload.
    const bad = await runCli(['add', 'scan-movie', '--payload', '{"libraryPath":"relative"}'], cwd);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/libraryPath must be an absolute path/);
  });

  it('adds validated jobs, counts them, lists, shows and cancels them', async () => {
    const cwd = tempDir();
    const payloadFile = path.join(cwd, 'payload.json');
    writeFileSync(payloadFile, JSON.stringify({ file: path.join(cwd, 'b.txt'), text: 'from a file' }));
    const a = await runCli(
      [
        'add',
        'write-file',
        '--plugin',
        TEST_PLUGIN,
        '--payload',
        JSON.stringify({ file: path.join(cwd, 'a.txt'), text: 'x' }),
        '--priority',
        'high',
      ],
      cwd,
    );
    expect(a.code).toBe(0);
    const idA = a.stdout.trim();
    expect(idA).toMatch(/^\S+$/);
    const b = await runCli(['add', 'write-file', '--plugin', TEST_PLUGIN, '--payload', `@${payloadFile}`, '--delay', '1h', '--json'], cwd);
    expect(b.code).toBe(0);
    const idB = (JSON.parse(b.stdout) as { id: string }).id;
    const dupe = await runCli(['add', 'write-file', '--plugin', TEST_PLUGIN, '--payload', `@${payloadFile}`, '--dedupe', 'k'], cwd);
    const dupeAgain = await runCli(['add', 'write-file', '--plugin', TEST_PLUGIN, '--payload', `@${payloadFile}`, '--dedupe', 'k'], cwd);
    expect(dupeAgain.stdout).toBe(dupe.stdout);

    const stats = JSON.parse((await runCli(['stats', '--json'], cwd)).stdout) as {
      pending: number;
      delayed: number;
      byType: Record<string, { pending: number }>;
    };
    expect(stats.pending).toBe(2);
    expect(stats.delayed).toBe(1);
    expect(stats.byType['write-file']?.pending).toBe(2);
    const table = await runCli(['stats'], cwd);
    expect(table.stdout).toMatch(/write-file\s+2\s+1\s+0\s+0\s+0/);
    // No worker runs: the jobs are shown as waiting for one.
    expect(table.stdout).toContain('3 pending or delayed job(s) have no live worker for their type: write-file');

    const list = JSON.parse((await runCli(['jobs', 'list', '--json', '--type', 'write-file'], cwd)).stdout) as {
      id: string;
      priority: number;
    }[];
    expect(list.map((j) => j.id)).toEqual(expect.arrayContaining([idA, idB]));
    expect(list.find((j) => j.id === idA)?.priority).toBe(3);
    const human = await runCli(['jobs', 'list'], cwd);
    expect(human.stdout).toContain('write-file');

    const show = JSON.parse((await runCli(['jobs', 'show', idB, '--json'], cwd)).stdout) as { payload: { text: string }; runAt: number };
    expect(show.payload.text).toBe('from a file');
    expect(show.runAt).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect((await runCli(['jobs', 'show', idA], cwd)).stdout).toMatch(/type:\s+write-file/);

    const cancel = await runCli(['jobs', 'cancel', idB], cwd);
    expect(cancel.code).toBe(0);
    expect((await runCli(['jobs', 'show', idB], cwd)).code).toBe(1);
    const missing = await runCli(['jobs', 'cancel', idB], cwd);
    expect(missing.code).toBe(1);
    expect(errorLines(missing.stderr)).toEqual([`error: No job with id ${idB}`]);
  }, 180_000);

  const badInput: [string, string[], RegExp][] = [
    ['a payload that breaks the schema', ['add', 'write-file', '--plugin', TEST_PLUGIN, '--payload', '{"file":""}'], /file/],
    ['a payload that is not JSON', ['add', 'write-file', '--plugin', TEST_PLUGIN, '--payload', '{not json'], /--payload is not valid JSON/],
    [
      'a missing payload file',
      ['add', 'write-file', '--plugin', TEST_PLUGIN, '--payload', '@missing.json'],
      /Cannot read --payload file .*missing\.json/,
    ],
    ['a type no plugin registers', ['add', 'write-file', '--payload', '{}'], /Unknown job type "write-file"/],
    ['an unknown priority name', ['add', 'write-file', '--plugin', TEST_PLUGIN, '--priority', 'urgent'], /'urgent' is invalid/],
    ['a priority out of range', ['add', 'write-file', '--plugin', TEST_PLUGIN, '--priority', '11'], /'11' is invalid/],
    ['a delay without a unit', ['add', 'write-file', '--plugin', TEST_PLUGIN, '--delay', '30'], /Expected a duration/],
    ['a missing plugin module', ['add', 'write-file', '--plugin', './no-such-plugin.mjs'], /Plugin module not found/],
    ['an unknown state', ['jobs', 'list', '--state', 'done'], /Allowed choices are pending, delayed, processing, failed/],
    ['a missing argument', ['add'], /missing required argument 'type'/],
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['an unknown option', ['stats', '--bogus'], /unknown option '--bogus'/],
  ];
  it.each(badInput)('rejects %s with exit 2 and one line naming the problem, storing nothing', async (_, args, message) => {
    const cwd = tempDir();
    const result = await runCli(args, cwd);
    expect(result.code).toBe(2);
    expect(errorLines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
    if (args[0] === 'add' && existsSync(path.join(cwd, 'data/phaseq.db'))) {
      const stats = JSON.parse((await runCli(['stats', '--json'], cwd)).stdout) as { pending: number; delayed: number };
      expect(stats.pending + stats.delayed).toBe(0);
    }
  });

  it('rejects a module whose default export is not a plugin', async () => {
    const cwd = tempDir();
    writeFileSync(path.join(cwd, 'notAPlugin.mjs'), 'export default { hello: "world" };\n');
    const result = await runCli(['add', 'x', '--plugin', './notAPlugin.mjs'], cwd);
    expect(result.code).toBe(2);
    expect(errorLines(result.stderr)).toEqual([
      'error: Plugin module "./notAPlugin.mjs" must default-export a plugin made with definePlugin (or an array of them)',
    ]);
  });

  it('prints help and the version with exit 0', async () => {
    const cwd = tempDir();
    const help = await runCli(['jobs', 'list', '--help'], cwd);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--state <state>');
    const version = await runCli(['--version'], cwd);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
