/**
 * Which show does a show folder get? Real show folder names (tmdbTvCatalogue.ts) through
 * the scan's show-folder parser and TmdbProvider.series.searchSeries, against the fake
 * TMDB's documented /search/tv and /find behaviour: every name must end at the TMDB id it
 * names, and every near miss at none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TmdbProvider } from '../../../src/media/providers/TmdbProvider.js';
import { parseShowFolder } from '../../../src/media/scan/parseEpisodeName.js';
import { startProviderServer, type ProviderServer } from '../support/providerServer.js';
import { SHOW_FOLDER_EXPECTATIONS, TMDB_SHOWS } from '../support/tmdbTvCatalogue.js';

let server: ProviderServer;
let tmdb: TmdbProvider;
beforeAll(async () => {
  server = await startProviderServer({ shows: TMDB_SHOWS });
  tmdb = new TmdbProvider({ apiKey: server.apiKey, baseUrl: server.baseUrl });
});
afterAll(async () => {
  await server.close();
});

/** What the enrich phase asks the provider for a show folder. */
async function matchOf(folder: string): Promise<number | null> {
  const parsed = parseShowFolder(folder);
  const [hit] = await tmdb.series.searchSeries({
    title: parsed.title,
    language: 'en',
    ids: parsed.idHints,
    ...(parsed.year === null ? {} : { year: parsed.year }),
  });
  return hit ? Number(hit.id) : null;
}

describe('matching real show folder names', () => {
  it('has a table worth the name: 15+ names, near misses among them', () => {
    expect(SHOW_FOLDER_EXPECTATIONS.length).toBeGreaterThanOrEqual(15);
    expect(SHOW_FOLDER_EXPECTATIONS.filter(([, id]) => id === null).length).toBeGreaterThanOrEqual(8);
  });

  it.each(SHOW_FOLDER_EXPECTATIONS)('%s → %s', async (folder, expected) => {
    expect(await matchOf(folder)).toBe(expected);
  });

  it('would go wrong by taking the first search hit: the fake orders by popularity, as TMDB may', async () => {
    const search = async (query: string) => {
      const answer = await fetch(`${server.baseUrl}/search/tv?query=${encodeURIComponent(query)}&api_key=${server.apiKey}`);
      return ((await answer.json()) as { results: { id: number }[] }).results.map((r) => r.id);
    };
    // The 2024 Doctor Who is the most popular; the US Office comes before the British one.
    expect(await search('Doctor Who')).toEqual([239770, 57243, 121]);
    expect(await search('The Office')).toEqual([2316, 2996]);
  });

  it('asks /search/tv with first_air_date_year first, and without the year only when nothing matched', async () => {
    const before = server.requests.length;
    expect(await matchOf('Battlestar Galactica (2003)')).toBe(1972);
    const searches = server.requests.slice(before).filter((r) => r.path === '/3/search/tv');
    expect(searches.map((r) => r.query['first_air_date_year'])).toEqual(['2003', undefined]);
    expect(searches.every((r) => r.query['query'] === 'Battlestar Galactica')).toBe(true);
  });
});
