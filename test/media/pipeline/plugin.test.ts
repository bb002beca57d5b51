import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistrationError, ValidationError } from '../../../src/errors.js';
import * as media from '../../../src/media/index.js';
import { createMediaPlugin } from '../../../src/media/plugin.js';
import { LocalProvider } from '../../../src/media/providers/LocalProvider.js';
import { JobQueue } from '../../../src/JobQueue.js';
import { SQLiteJobQueueStorage } from '../../../src/backends/sqlite/storage.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'phaseq-media-plugin-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const provider = () => new LocalProvider({ cataloguePath: path.join(dir, 'catalogue.json') });

describe('createMediaPlugin', () => {
  it('creates the media tables in the given file and registers the pipeline and maintenance job types', async () => {
    const filename = path.join(dir, 'phaseq.db');
    const plugin = createMediaPlugin({ filename, provider: provider() });
    const queue = new JobQueue({ storage: new SQLiteJobQueueStorage({ filename }), logger: pino({ level: 'silent' }) });
    await queue.use(plugin);
    expect(queue.registry.types().sort()).toEqual(
      [
        'enrich-metadata',
        'enrich-tvshow',
        'notify-jellyfin',
        'notify-kodi',
        'notify-plex',
        'publish',
        'publish-tvshow',
        'scan-movie',
        'scan-tv',
        'scheduled-cleanup',
        'scheduled-provider-update',
        'scheduled-verification',
        'webhook-received',
      ].sort(),
    );
    const db = new Database(filename, { readonly: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    db.close();
    expect(tables).toEqual(
      expect.arrayContaining([
        'movies',
        'movie_assets',
        'movie_actors',
        'jobs',
        'tv_shows',
        'tv_files',
        'tv_episodes',
        'tv_seasons',
        'tv_assets',
      ]),
    );
    await queue.stop();
    plugin.close();
  });

  it('uses a database the host opened and leaves it open', () => {
    const db = new Database(path.join(dir, 'host.db'));
    const plugin = createMediaPlugin({ database: db, provider: provider() });
    plugin.close();
    expect(db.open).toBe(true);
    expect(plugin.movies.count()).toBe(0);
    db.close();
  });

  it('names every bad option', () => {
    const attempt = () =>
      createMediaPlugin({
        filename: path.join(dir, 'x.db'),
        // @ts-expect-error not a provider
        provider: {},
        players: [
          { kind: 'kodi', name: 'tv', url: 'http://127.0.0.1:1', auth: { username: 'a', password: 'b' } },
          { kind: 'plex', name: 'tv', url: 'http://127.0.0.1:2', auth: { token: 't', sectionId: 1 } },
        ],
        libraryRoots: ['relative/movies'],
      });
    expect(attempt).toThrow(ValidationError);
    try {
      attempt();
    } catch (error) {
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['provider', 'players.1.name', 'libraryRoots.0']);
    }
  });

  it('cannot be registered twice on one queue', async () => {
    const filename = path.join(dir, 'phaseq.db');
    const queue = new JobQueue({ storage: new SQLiteJobQueueStorage({ filename }), logger: pino({ level: 'silent' }) });
    await queue.use(createMediaPlugin({ filename, provider: provider() }));
    await expect(queue.use(createMediaPlugin({ filename, provider: provider() }))).rejects.toThrow(RegistrationError);
    await queue.stop();
  });

  it('fails its jobs clearly when the queue has no phase configuration', async () => {
    const filename = path.join(dir, 'phaseq.db');
    const library = path.join(dir, 'library');
    const queue = new JobQueue({ storage: new SQLiteJobQueueStorage({ filename }), logger: pino({ level: 'silent' }) });
    const plugin = createMediaPlugin({ filename, provider: provider() });
    await queue.use(plugin);
    mkdirSync(library);
    const failed = new Promise<Error>((resolve) => queue.on('job:failed', ({ error }) => resolve(error)));
    await queue.start();
    await queue.addJob({ type: 'scan-movie', payload: { libraryPath: library }, maxRetries: 0 });
    expect((await failed).message).toMatch(/phases/);
    await queue.stop();
    plugin.close();
  });
});

describe('phaseq/media public surface', () => {
  it('exports the plugin factory, schemas, providers, players, selection and data access', () => {
    for (const name of [
      'createMediaPlugin',
      'scanMovieSchema',
      'enrichMetadataSchema',
      'publishSchema',
      'notifyPlayerSchema',
      'scheduledCleanupSchema',
      'scheduledProviderUpdateSchema',
      'scheduledVerificationSchema',
      'webhookReceivedSchema',
      'TmdbProvider',
      'LocalProvider',
      'syncPlayer',
      'syncKodi',
      'enqueuePlayerSyncs',
      'PlayerSyncRepository',
      'PlayerSyncIncompleteError',
      'listAssetCandidates',
      'selectAsset',
      'MoviesRepository',
      'buildMovieNfo',
      'writeFileAtomic',
      'resolveInside',
      'ProviderError',
      'PlayerError',
      'parseMovieName',
    ]) {
      expect(media, name).toHaveProperty(name);
    }
  });

  it('the reserved job schemas validate their payloads', () => {
    expect(media.webhookReceivedSchema.safeParse({ source: 'radarr', eventType: 'Download', body: { movie: {} } }).success).toBe(true);
    expect(media.webhookReceivedSchema.safeParse({ source: '', eventType: 'Download', body: {} }).success).toBe(false);
    expect(media.scheduledCleanupSchema.safeParse({ libraryPath: 'relative' }).success).toBe(false);
    expect(media.scheduledProviderUpdateSchema.safeParse({ olderThanDays: 30, limit: 100 }).success).toBe(true);
    expect(media.scheduledVerificationSchema.safeParse({}).success).toBe(true);
  });
});
