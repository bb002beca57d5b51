import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { makeProviderMovies } from '../support/providerServer.js';
import { startPipeline, type Pipeline } from './harness.js';

let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

describe('3 workers, a 200-movie library', () => {
  it('runs every movie through every phase: no job lost, none run twice', async () => {
    pipeline = await startPipeline({ movies: makeProviderMovies(200), concurrency: 3 });
    await pipeline.queue.addJob({ type: 'scan-movie', payload: { libraryPath: pipeline.library, manual: true }, manual: true });
    await pipeline.idle();

    expect(pipeline.failed).toEqual([]);
    expect(pipeline.retries).toEqual([]);
    // Every attempt started once, and every started job completed once.
    const started = pipeline.started;
    expect(new Set(started).size).toBe(started.length);
    const completedIds = pipeline.completed.map((o) => o.job.id);
    expect(new Set(completedIds).size).toBe(completedIds.length);
    expect([...completedIds].sort()).toEqual([...started].sort());

    const ids = (type: string) => pipeline!.done(type).map((o) => (o.job.payload as { entityId: number }).entityId);
    const movies = pipeline.media.movies.list();
    expect(movies).toHaveLength(200);
    const all = movies.map((m) => m.id).sort((a, b) => a - b);
    expect([...ids('enrich-metadata')].sort((a, b) => a - b)).toEqual(all);
    expect([...ids('publish')].sort((a, b) => a - b)).toEqual(all);
    for (const movie of movies) {
      expect(movie.enrichedAt).not.toBeNull();
      expect(movie.publishedAt).not.toBeNull();
      expect(existsSync(movie.videoFile.replace(/\.mkv$/, '.nfo'))).toBe(true);
      expect(existsSync(movie.videoFile.replace(/\.mkv$/, '-poster.jpg'))).toBe(true);
    }
    // Titles parsed from the folders match the provider's, so every movie found its entry.
    expect(new Set(movies.map((m) => m.tmdbId)).size).toBe(200);
    // Each player was told at least once, and after the last publish.
    const order = pipeline.completed.map((o) => o.job.type);
    for (const type of ['notify-kodi', 'notify-jellyfin', 'notify-plex']) {
      expect(pipeline.done(type).length).toBeGreaterThanOrEqual(1);
      expect(order.lastIndexOf(type)).toBeGreaterThan(order.lastIndexOf('publish'));
    }
  }, 180_000); // 200 movies through four phases; minutes on a busy 2-core runner, not seconds
});
