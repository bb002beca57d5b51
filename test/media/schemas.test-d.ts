import { describe, expectTypeOf, it } from 'vitest';
import type { JobHandler } from '../../src/handlers/HandlerRegistry.js';
import type { EnrichMetadataPayload, NotifyPlayerPayload, PublishPayload, ScanMoviePayload } from '../../src/media/schemas.js';
import type { EnrichTvShowPayload, PublishTvShowPayload, ScanTvPayload } from '../../src/media/tv/schemas.js';
import type { JobQueue } from '../../src/JobQueue.js';
import type { Job, PayloadOf } from '../../src/types.js';

declare const queue: JobQueue;

describe('media job payload types', () => {
  it('ties each media job type to its payload', () => {
    expectTypeOf<PayloadOf<'scan-movie'>>().toEqualTypeOf<ScanMoviePayload>();
    expectTypeOf<PayloadOf<'enrich-metadata'>>().toEqualTypeOf<EnrichMetadataPayload>();
    expectTypeOf<PayloadOf<'publish'>>().toEqualTypeOf<PublishPayload>();
    expectTypeOf<PayloadOf<'notify-kodi'>>().toEqualTypeOf<NotifyPlayerPayload>();
    expectTypeOf<Job<'enrich-metadata'>['payload']['entityId']>().toEqualTypeOf<number>();
  });

  it('checks addJob payloads at compile time', () => {
    void queue.addJob({ type: 'enrich-metadata', payload: { entityType: 'movie', entityId: 1, manual: true } });
    void queue.addJob({ type: 'notify-plex', payload: { player: 'plex' } });
    void queue.addJob({ type: 'scan-movie', payload: { libraryPath: '/srv/movies', refresh: true } });
    // @ts-expect-error a sync reads its work from the tables: the payload names only the player
    void queue.addJob({ type: 'notify-plex', payload: { libraryPath: '/srv/movies', player: 'plex' } });
    // @ts-expect-error entityId is a number
    void queue.addJob({ type: 'enrich-metadata', payload: { entityType: 'movie', entityId: '1' } });
    // @ts-expect-error only movies exist
    void queue.addJob({ type: 'publish', payload: { entityType: 'show', entityId: 1, libraryPath: '/x' } });
    // @ts-expect-error a notify job names its player
    void queue.addJob({ type: 'notify-kodi', payload: {} });
    // @ts-expect-error a scan needs a path
    void queue.addJob({ type: 'scan-movie', payload: { manual: true } });
  });

  it('ties the TV job types to their payloads', () => {
    expectTypeOf<PayloadOf<'scan-tv'>>().toEqualTypeOf<ScanTvPayload>();
    expectTypeOf<PayloadOf<'enrich-tvshow'>>().toEqualTypeOf<EnrichTvShowPayload>();
    expectTypeOf<PayloadOf<'publish-tvshow'>>().toEqualTypeOf<PublishTvShowPayload>();
    void queue.addJob({ type: 'scan-tv', payload: { libraryPath: '/srv/tv', paths: ['/srv/tv/Lost (2004)'] } });
    void queue.addJob({ type: 'publish-tvshow', payload: { entityType: 'tvshow', entityId: 1, libraryPath: '/srv/tv' } });
    // @ts-expect-error a TV job is about a tvshow, not a movie
    void queue.addJob({ type: 'enrich-tvshow', payload: { entityType: 'movie', entityId: 1 } });
    // @ts-expect-error paths is a list
    void queue.addJob({ type: 'scan-tv', payload: { libraryPath: '/srv/tv', paths: '/srv/tv/Lost (2004)' } });
    // @ts-expect-error publish-tvshow needs its library
    void queue.addJob({ type: 'publish-tvshow', payload: { entityType: 'tvshow', entityId: 1 } });
  });

  it('types handler payloads from the schema', () => {
    const handler: JobHandler<'publish'> = (job) => {
      expectTypeOf(job.payload.libraryPath).toEqualTypeOf<string>();
      expectTypeOf(job.payload.manual).toEqualTypeOf<boolean | undefined>();
    };
    void handler;
  });
});
