/**
 * `phaseq scan` on a fixture library: with `--wait` the built bin runs the whole media
 * pipeline in its own process against the fake TMDB server and the fake Kodi, Jellyfin
 * and Plex servers (real HTTP on 127.0.0.1), then prints a summary that must match what
 * is on disk and what the players received. Without `--wait` it only enqueues.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addVideo, folderOf } from '../media/pipeline/harness.js';
import { startFakePlayers, type FakePlayers } from '../media/support/fakePlayers.js';
import { makeProviderMovies, startProviderServer, type ProviderServer } from '../media/support/providerServer.js';
import { makeJpeg } from '../media/support/images.js';
import { requireBin, runCli, startCli, tempDir, until } from './support/cli.js';

interface Summary {
  moviesFound: number;
  moviesRemoved: number;
  skipped: Record<string, number>;
  nfosWritten: number;
  artworkWritten: number;
  playerSyncs: { verified: number; accepted: number };
  playerChanges: { added: number; refreshed: number; removed: number };
  failures: { type: string; error: string }[];
  phases: Record<'scan' | 'enrich' | 'publish' | 'notify', { total: number; finished: number }>;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

let provider: ProviderServer;
let players: FakePlayers;
beforeAll(async () => {
  requireBin();
  provider = await startProviderServer(makeProviderMovies(3));
  players = await startFakePlayers();
});
afterAll(async () => {
  await provider?.close();
  await players?.close();
});

/** A temp dir with a three-movie library, a players file, and tiny videos allowed by the scan settings. */
async function fixture(): Promise<{ cwd: string; library: string; playersFile: string; media: string[] }> {
  const cwd = tempDir('phaseq-cli-scan-');
  const library = path.join(cwd, 'library');
  for (const movie of makeProviderMovies(3)) addVideo(library, folderOf(movie));
  const playersFile = path.join(cwd, 'players.json');
  writeFileSync(playersFile, JSON.stringify(players.configs));
  const set = await runCli(['config', 'set', 'scan.minFileSizeMB', '0'], cwd);
  expect(set.code).toBe(0);
  const media = ['--tmdb-key', provider.apiKey, '--tmdb-url', provider.baseUrl, '--players', playersFile];
  return { cwd, library, playersFile, media };
}

describe('phaseq scan --wait', () => {
  it('runs scan, enrich, publish and notify in process and reports what was written and notified', async () => {
    const { cwd, library, media } = await fixture();
    players.reset();
    const result = await runCli(['scan', library, '--wait', '--json', ...media], cwd);
    // Warnings may be logged to stderr; errors may not.
    expect(result.stderr).not.toMatch(/"level":(50|60)/);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as Summary;
    expect(summary.failures).toEqual([]);
    expect(summary.moviesFound).toBe(3);
    const files = filesUnder(library);
    expect(summary.nfosWritten).toBe(files.filter((f) => f.endsWith('.nfo')).length);
    expect(summary.nfosWritten).toBeGreaterThanOrEqual(3);
    expect(summary.artworkWritten).toBe(files.filter((f) => /\.(jpe?g|png)$/.test(f)).length);
    expect(summary.artworkWritten).toBeGreaterThan(0);
    expect(summary.phases.scan).toEqual({ total: 1, finished: 1 });
    expect(summary.phases.enrich).toEqual({ total: 3, finished: 3 });
    expect(summary.phases.publish.finished).toBe(summary.phases.publish.total);
    // Syncs of one player are merged while one is pending, so there are 3 or a few more.
    expect(summary.phases.notify.finished).toBe(summary.phases.notify.total);
    expect(summary.phases.notify.total).toBeGreaterThanOrEqual(3);
    // Kodi's sync was verified by reading Kodi back; Jellyfin and Plex accepted theirs.
    expect(summary.playerSyncs.verified).toBeGreaterThanOrEqual(1);
    expect(summary.playerSyncs.accepted).toBeGreaterThanOrEqual(2);
    // Each of the three players confirmed each of the three movies.
    expect(summary.playerChanges).toEqual({ added: 9, refreshed: 0, removed: 0 });
    expect(players.kodi.library.list()).toHaveLength(3);
    for (const kind of ['kodi', 'jellyfin', 'plex'] as const) {
      expect(players[kind].requests.filter((r) => r.status >= 200 && r.status < 300).length, kind).toBeGreaterThanOrEqual(1);
    }
    const stats = JSON.parse((await runCli(['stats', '--json'], cwd)).stdout) as { pending: number; delayed: number; processing: number };
    expect(stats.pending + stats.delayed + stats.processing).toBe(0);

    // A second run finds the same movies and rewrites nothing; the text summary says so.
    const again = await runCli(['scan', library, '--wait', ...media], cwd);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/movies found\s+3/);
    expect(again.stdout).toMatch(/NFOs written\s+0/);
    expect(again.stdout).toMatch(/player syncs confirmed\s+0\n/);
    expect(again.stdout).toMatch(/failures\s+0/);

    // --refresh re-enriches every movie with the settings in force: actor photos off
    // changes every NFO (the photo URLs go in), and each player hears of 3 updates.
    expect((await runCli(['config', 'set', 'publish.actors', 'false'], cwd)).code).toBe(0);
    const refreshed = await runCli(['scan', library, '--wait', '--refresh', '--json', ...media], cwd);
    expect(refreshed.code).toBe(0);
    const after = JSON.parse(refreshed.stdout) as Summary;
    expect(after.phases.enrich).toEqual({ total: 3, finished: 3 });
    expect(after.nfosWritten).toBe(3);
    expect(after.playerChanges).toEqual({ added: 0, refreshed: 9, removed: 0 });
  }, 240_000);

  it('counts the files it skipped, with the reason, and hints at the size limit when that left no movie', async () => {
    const { cwd, library, media } = await fixture();
    expect((await runCli(['config', 'set', 'scan.minFileSizeMB', '50'], cwd)).code).toBe(0);
    writeFileSync(path.join(library, 'readme.txt'), 'not a movie');
    const result = await runCli(['scan', library, '--wait', ...media], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/movies found\s+0/);
    expect(result.stdout).toMatch(/files skipped\s+4 \(too small 3, not video 1\)/);
    expect(result.stdout).toMatch(/hint: 3 video file\(s\) are smaller than scan\.minFileSizeMB/);
    const json = JSON.parse((await runCli(['scan', library, '--wait', '--json', ...media], cwd)).stdout) as Summary;
    expect(json.skipped).toEqual({ 'too-small': 3, 'not-video': 1 });
  }, 240_000);

  it('exits 1 and names the failed jobs when a phase fails for good', async () => {
    const { cwd, library, media } = await fixture();
    // A 404 on the artwork list cannot change on retry: those enrichments fail at once.
    provider.failAlways({ status: 404, match: /\/images$/ });
    try {
      const result = await runCli(['scan', library, '--wait', '--json', ...media], cwd);
      expect(result.code).toBe(1);
      const summary = JSON.parse(result.stdout) as Summary;
      expect(summary.moviesFound).toBe(3);
      expect(summary.failures).toHaveLength(3);
      expect(summary.failures.every((f) => f.type === 'enrich-metadata' && f.error.includes('HTTP 404'))).toBe(true);
      // Each failed once: no retries of an answer that cannot change.
      expect(provider.requests.filter((r) => r.path.endsWith('/images') && r.status === 404)).toHaveLength(3);
    } finally {
      provider.failNone();
    }
  }, 240_000);

  it('stops at the first refusal of the credential with exit 2, a line naming it, and nothing left queued', async () => {
    const { cwd, library, media } = await fixture();
    provider.requests.length = 0;
    const wrong = media.map((arg) => (arg === provider.apiKey ? 'ffffffffffffffffffffffffffffffff' : arg));
    const result = await runCli(['scan', library, '--wait', '--json', ...wrong], cwd);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const line = result.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('error:'));
    expect(line).toEqual([expect.stringContaining('TMDB refused the v3 API key (sent as api_key): Invalid API key')]);
    expect(line[0]).toContain('--tmdb-key');
    expect(result.stderr).not.toContain('ffffffffffffffffffffffffffffffff');
    // Three movies, three enrichments at once (concurrency 3): TMDB was asked once.
    expect(provider.requests.filter((r) => r.path.startsWith('/3/'))).toHaveLength(1);
    const stats = JSON.parse((await runCli(['stats', '--json'], cwd)).stdout) as { pending: number; delayed: number; processing: number };
    expect(stats.pending + stats.delayed + stats.processing).toBe(0);

    // The token works where the key was refused, and the next scan enriches the movies.
    const token = media.map((arg) => (arg === provider.apiKey ? provider.readAccessToken : arg));
    const again = await runCli(['scan', library, '--wait', '--json', ...token], cwd);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as Summary).phases.enrich).toEqual({ total: 3, finished: 3 });
  }, 240_000);

  it('refuses a --tmdb-key of neither credential shape with exit 2 before any work', async () => {
    const { cwd, library, media } = await fixture();
    const result = await runCli(['scan', library, '--wait', ...media.map((arg) => (arg === provider.apiKey ? 'my key' : arg))], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TMDB credential must be a TMDB v3 API key (32 hexadecimal digits) or a v4 API Read Access Token');
  }, 120_000);
});

describe('phaseq scan without --wait', () => {
  it('only enqueues a manual scan, needing no provider', async () => {
    const { cwd, library } = await fixture();
    const result = await runCli(['scan', library], cwd);
    expect(result.code).toBe(0);
    const id = result.stdout.trim();
    const job = JSON.parse((await runCli(['jobs', 'show', id, '--json'], cwd)).stdout) as {
      type: string;
      manual: boolean;
      payload: unknown;
    };
    expect(job).toMatchObject({ type: 'scan-movie', manual: true, payload: { libraryPath: library, manual: true } });
  }, 120_000);

  it('refuses a missing folder, and --wait without a provider, with exit 2 and one line', async () => {
    const cwd = tempDir();
    const missing = await runCli(['scan', path.join(cwd, 'nope')], cwd);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(`error: Library folder not found: ${path.join(cwd, 'nope')}`);
    const noProvider = await runCli(['scan', cwd, '--wait'], cwd);
    expect(noProvider.code).toBe(2);
    expect(noProvider.stderr.trim()).toBe(
      'error: The media pipeline needs a metadata provider: give --catalogue <file> or --tmdb-key <key>',
    );
  }, 120_000);
});

describe('phaseq worker --media-library with a local catalogue', () => {
  it('runs the scan that phaseq scan enqueued from another process, with metadata and artwork from the catalogue', async () => {
    const { cwd, library } = await fixture();
    writeFileSync(path.join(cwd, 'poster.jpg'), makeJpeg(1000, 1500));
    const catalogue = {
      version: 1,
      movies: makeProviderMovies(3).map((m) => ({
        id: String(m.id),
        title: m.title,
        year: m.year,
        plot: `Plot of ${m.title}`,
        providerIds: { tmdb: String(m.id) },
        artwork: [{ kind: 'poster', url: 'poster.jpg', width: 1000, height: 1500 }],
      })),
    };
    writeFileSync(path.join(cwd, 'catalogue.json'), JSON.stringify(catalogue));
    const worker = startCli(['worker', '--media-library', library, '--catalogue', 'catalogue.json'], cwd);
    try {
      await worker.waitForLine((l) => l.includes('"worker ready"'));
      const scan = await runCli(['scan', library], cwd);
      expect(scan.code).toBe(0);
      const folders = makeProviderMovies(3).map((m) => path.join(library, folderOf(m)));
      await until(() =>
        folders.every((f) => readdirSync(f).some((n) => n.endsWith('.nfo')) && readdirSync(f).some((n) => n.endsWith('.jpg'))),
      );
      await until(async () => {
        const stats = JSON.parse((await runCli(['stats', '--json'], cwd)).stdout) as {
          pending: number;
          delayed: number;
          processing: number;
        };
        return stats.pending + stats.delayed + stats.processing === 0;
      });
      worker.child.kill('SIGTERM');
      const result = await worker.exited;
      expect(result.code).toBe(0);
      const nfoText = filesUnder(library)
        .filter((f) => f.endsWith('.nfo'))
        .map((f) => readFileSync(f, 'utf8'))
        .join('\n');
      expect(nfoText).toContain(`Plot of ${makeProviderMovies(3)[0]!.title}`);
    } finally {
      if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
      await worker.exited;
    }
  }, 240_000);
});
