/**
 * `phaseq scan --kind tvshows --wait --tmdb-key …` with the built bin against the fake
 * TMDB: a TV library enriched from TMDB's series, and a refused credential that stops the
 * run at its first request with exit 2.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProviderServer, type ProviderServer } from '../media/support/providerServer.js';
import { TMDB_SHOWS } from '../media/support/tmdbTvCatalogue.js';
import { addVideo } from '../media/tv/harness.js';
import { requireBin, runCli, tempDir } from './support/cli.js';

let provider: ProviderServer;
beforeAll(async () => {
  requireBin();
  const shows = TMDB_SHOWS.map((show) =>
    show.id === 1396
      ? { ...show, seasons: [{ number: 1, episodes: [{ number: 1, name: 'Pilot', plot: 'Walter White starts cooking.' }] }] }
      : show,
  );
  provider = await startProviderServer({ shows });
});
afterAll(async () => {
  await provider?.close();
});

async function fixture(): Promise<{ cwd: string; tv: string }> {
  const cwd = tempDir('phaseq-cli-tv-tmdb-');
  const tv = path.join(cwd, 'tv');
  addVideo(path.join(tv, 'Breaking Bad (2008)', 'Season 01', 'Breaking.Bad.S01E01.mkv'));
  addVideo(path.join(tv, 'The Office (UK)', 'Season 01', 'The.Office.UK.S01E01.mkv'));
  expect((await runCli(['config', 'set', 'scan.minFileSizeMB', '0'], cwd)).code).toBe(0);
  return { cwd, tv };
}

describe('phaseq scan --kind tvshows --tmdb-key', () => {
  it('enriches the shows from TMDB', async () => {
    const { cwd, tv } = await fixture();
    const result = await runCli(
      ['scan', tv, '--kind', 'tvshows', '--wait', '--json', '--tmdb-key', provider.apiKey, '--tmdb-url', provider.baseUrl],
      cwd,
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ kind: 'tvshows', showsFound: 2, episodesFound: 2, failures: [] });
    expect(readFileSync(path.join(tv, 'Breaking Bad (2008)', 'tvshow.nfo'), 'utf8')).toContain(
      '<uniqueid type="tmdb" default="true">1396</uniqueid>',
    );
    expect(readFileSync(path.join(tv, 'Breaking Bad (2008)', 'Season 01', 'Breaking.Bad.S01E01.nfo'), 'utf8')).toContain(
      '<title>Pilot</title>',
    );
    expect(readFileSync(path.join(tv, 'The Office (UK)', 'tvshow.nfo'), 'utf8')).toContain(
      '<uniqueid type="tmdb" default="true">2996</uniqueid>',
    );
  }, 240_000);

  it('stops at the first refusal of the credential with exit 2 and a line naming it', async () => {
    const { cwd, tv } = await fixture();
    provider.requests.length = 0;
    const result = await runCli(
      ['scan', tv, '--kind', 'tvshows', '--wait', '--tmdb-key', 'ffffffffffffffffffffffffffffffff', '--tmdb-url', provider.baseUrl],
      cwd,
    );
    expect(result.code).toBe(2);
    const line = result.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('error:'));
    expect(line).toEqual([expect.stringContaining('TMDB refused the v3 API key (sent as api_key): Invalid API key')]);
    expect(line[0]).toContain('the next scan enriches the shows this one found');
    expect(provider.requests.filter((r) => r.path.startsWith('/3/'))).toHaveLength(1);
  }, 240_000);
});
