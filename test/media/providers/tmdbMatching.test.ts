/**
 * Which movie does a folder get? Real folder names (tmdbCatalogue.ts) through the scan's
 * name parser and TmdbProvider.search, against the fake TMDB's documented search
 * behaviour: every name must end at the TMDB id it names, and every near miss at none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TmdbProvider } from '../../../src/media/providers/TmdbProvider.js';
import { parseMovieName } from '../../../src/media/scan/parseMovieName.js';
import { startProviderServer, type ProviderServer } from '../support/providerServer.js';
import { FOLDER_EXPECTATIONS, TMDB_MOVIES } from '../support/tmdbCatalogue.js';

let server: ProviderServer;
let tmdb: TmdbProvider;
beforeAll(async () => {
  server = await startProviderServer(TMDB_MOVIES);
  tmdb = new TmdbProvider({ apiKey: server.apiKey, baseUrl: server.baseUrl });
});
afterAll(async () => {
  await server.close();
});

/** What the enrich phase asks the provider for a folder name. */
async function matchOf(folder: string): Promise<number | null> {
  const parsed = parseMovieName(folder);
  const ids = { ...(parsed.tmdbId ? { tmdb: parsed.tmdbId } : {}), ...(parsed.imdbId ? { imdb: parsed.imdbId } : {}) };
  const [hit] = await tmdb.search({ title: parsed.title, language: 'en', ids, ...(parsed.year === null ? {} : { year: parsed.year }) });
  return hit ? Number(hit.id) : null;
}

describe('matching real folder names', () => {
  it('has a table worth the name: 30+ names, near misses among them', () => {
    expect(FOLDER_EXPECTATIONS.length).toBeGreaterThanOrEqual(30);
    expect(FOLDER_EXPECTATIONS.filter(([, id]) => id === null).length).toBeGreaterThanOrEqual(8);
  });

  it.each(FOLDER_EXPECTATIONS)('%s → %s', async (folder, expected) => {
    expect(await matchOf(folder)).toBe(expected);
  });

  it('would go wrong by taking the first search hit: the fake orders by popularity, as TMDB may', async () => {
    // The most popular hit for "Alien" in 2017 is Alien: Covenant; for "Heat", White Heat.
    const alien = await fetch(`${server.baseUrl}/search/movie?query=Alien&year=2017&api_key=${server.apiKey}`);
    expect(((await alien.json()) as { results: { id: number }[] }).results[0]?.id).toBe(126889);
    const heat = await fetch(`${server.baseUrl}/search/movie?query=Heat&api_key=${server.apiKey}`);
    expect(((await heat.json()) as { results: { id: number }[] }).results.map((r) => r.id)).toEqual([15794, 136795, 949]);
  });
});
