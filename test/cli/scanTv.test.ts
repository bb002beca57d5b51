/**
 * `phaseq scan --kind tvshows` with the built bin: the TV pipeline runs in the CLI's own
 * process on the local catalogue, the players (fake, on 127.0.0.1) are synced, and the
 * summary counts shows and episodes found and confirmed by the players (text and --json);
 * `phaseq worker --tv-library` runs a scan another process enqueued; a movie scan of a TV
 * folder reports the skipped episode files.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlayerChangeCounts } from '../../src/media/handlers/notifyPlayer.js';
import { startFakePlayers, type FakePlayers } from '../media/support/fakePlayers.js';
import { STANDARD_SHOWS, writeTvCatalogue, writeTvLibrary } from '../media/tv/harness.js';
import { requireBin, runCli, startCli, tempDir, until } from './support/cli.js';

interface TvSummary {
  kind: string;
  showsFound: number;
  episodesFound: number;
  moviesFound: number;
  skipped: Record<string, number>;
  nfosWritten: number;
  artworkWritten: number;
  playerSyncs: { verified: number; accepted: number };
  playerTvChanges: { shows: PlayerChangeCounts; episodes: PlayerChangeCounts };
  failures: unknown[];
  phases: Record<'scan' | 'enrich' | 'publish' | 'notify', { total: number; finished: number }>;
}

let players: FakePlayers;
beforeAll(async () => {
  requireBin();
  players = await startFakePlayers();
});
afterAll(async () => {
  await players?.close();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

async function fixture(): Promise<{ cwd: string; tv: string; catalogue: string }> {
  const cwd = tempDir('phaseq-cli-tv-');
  const tv = path.join(cwd, 'tv');
  writeTvLibrary(tv);
  const catalogue = writeTvCatalogue(path.join(cwd, 'catalogue'));
  expect((await runCli(['config', 'set', 'scan.minFileSizeMB', '0'], cwd)).code).toBe(0);
  return { cwd, tv, catalogue };
}

describe('phaseq scan --kind tvshows --wait', () => {
  it('runs the TV pipeline, syncs the players, and counts shows and episodes', async () => {
    const { cwd, tv, catalogue } = await fixture();
    players.reset();
    players.kodi.library.addTvSource(`${tv}/`);
    const playersFile = path.join(cwd, 'players.json');
    writeFileSync(playersFile, JSON.stringify(players.configs));
    const result = await runCli(
      ['scan', tv, '--kind', 'tvshows', '--wait', '--json', '--catalogue', catalogue, '--players', playersFile],
      cwd,
    );
    expect(result.stderr).not.toMatch(/"level":(50|60)/);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as TvSummary;
    expect(summary).toMatchObject({ kind: 'tvshows', showsFound: 3, episodesFound: 31, moviesFound: 0, skipped: {}, failures: [] });
    // Each of the three players confirmed the 3 shows and 30 episode files (Kodi by reading them back).
    expect(summary.playerSyncs.verified).toBeGreaterThanOrEqual(1);
    expect(summary.playerTvChanges).toEqual({
      shows: { added: 9, refreshed: 0, removed: 0 },
      episodes: { added: 90, refreshed: 0, removed: 0 },
    });
    expect(players.kodi.library.listShows()).toHaveLength(3);
    expect(players.kodi.library.listEpisodes()).toHaveLength(31);
    const files = filesUnder(tv);
    expect(summary.nfosWritten).toBe(files.filter((f) => f.endsWith('.nfo')).length);
    // 3 tvshow.nfo + 30 episode files.
    expect(summary.nfosWritten).toBe(33);
    expect(summary.artworkWritten).toBe(files.filter((f) => /\.(jpe?g|png)$/.test(f)).length);
    expect(summary.phases).toMatchObject({
      scan: { total: 1, finished: 1 },
      enrich: { total: 3, finished: 3 },
      publish: { total: 3, finished: 3 },
    });
    const nfo = readFileSync(path.join(tv, STANDARD_SHOWS[0]!.folder, 'tvshow.nfo'), 'utf8');
    expect(nfo).toContain('<tvshow>');

    // The text summary, on a second run that finds everything unchanged.
    const again = await runCli(['scan', tv, '--kind', 'tvshows', '--wait', '--catalogue', catalogue, '--players', playersFile], cwd);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/shows found\s+3/);
    expect(again.stdout).toMatch(/episodes found\s+31/);
    expect(again.stdout).not.toMatch(/movies found/);
    expect(again.stdout).toMatch(/NFOs written\s+0/);
    // Nothing changed: nothing for the players.
    expect(again.stdout).toMatch(/player changes: shows\s+0 added, 0 refreshed, 0 removed/);
    expect(again.stdout).toMatch(/player changes: episodes\s+0 added, 0 refreshed, 0 removed/);
  }, 240_000);

  it('a movie scan of the TV folder writes nothing and reports the skipped episode files', async () => {
    const { cwd, tv, catalogue } = await fixture();
    const result = await runCli(['scan', tv, '--wait', '--catalogue', catalogue], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/movies found\s+0/);
    expect(result.stdout).toMatch(/files skipped\s+30 \(named like a TV episode 30\)/);
    expect(filesUnder(tv).filter((f) => f.endsWith('.nfo'))).toEqual([]);
  }, 240_000);

  it('refuses an unknown kind with exit 2', async () => {
    const cwd = tempDir();
    const result = await runCli(['scan', cwd, '--kind', 'series'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Allowed choices are movies, tvshows/);
  }, 60_000);
});

describe('phaseq worker --tv-library', () => {
  it('runs the scan-tv that phaseq scan --kind tvshows enqueued from another process', async () => {
    const { cwd, tv, catalogue } = await fixture();
    const worker = startCli(['worker', '--tv-library', tv, '--catalogue', catalogue], cwd);
    try {
      await worker.waitForLine((l) => l.includes('"worker ready"'));
      const scan = await runCli(['scan', tv, '--kind', 'tvshows', '--json'], cwd);
      expect(scan.code).toBe(0);
      expect(JSON.parse(scan.stdout)).toMatchObject({ library: tv, kind: 'tvshows' });
      await until(() => filesUnder(tv).filter((f) => f.endsWith('.nfo')).length === 33);
      await until(async () => {
        const stats = JSON.parse((await runCli(['stats', '--json'], cwd)).stdout) as {
          pending: number;
          delayed: number;
          processing: number;
        };
        return stats.pending + stats.delayed + stats.processing === 0;
      });
      worker.child.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
    } finally {
      if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
      await worker.exited;
    }
  }, 240_000);
});
