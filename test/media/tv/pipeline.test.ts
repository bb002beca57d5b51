/**
 * The TV pipeline end to end on a temp `tvshows` library and the local catalogue:
 * scan-tv → enrich-tvshow → publish-tvshow → notify, checking every file written and its
 * content (parsed XML), then rescans with an added, a changed and a removed episode, and
 * an added and a removed show.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterEach, describe, expect, it } from 'vitest';
import type { NotifyPlayerResult } from '../../../src/media/handlers/notifyPlayer.js';
import type { ScanTvResult } from '../../../src/media/handlers/scanTv.js';
import { addVideo, episodeTitle, fileStamp, listFiles, startTvPipeline, STANDARD_SHOWS, type TvPipeline } from './harness.js';

let pipeline: TvPipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  isArray: (name) => ['actor', 'uniqueid', 'namedseason', 'genre', 'studio'].includes(name),
});

/** The `<episodedetails>` blocks of an episode NFO, each parsed on its own the way Kodi finds them. */
function episodeBlocks(text: string): Record<string, unknown>[] {
  expect(text.match(/<\?xml/g)).toHaveLength(1);
  const starts: number[] = [];
  for (let at = text.indexOf('<episodedetails'); at !== -1; at = text.indexOf('<episodedetails', at + 1)) starts.push(at);
  return starts.map((start, i) => {
    const block = text.slice(start, starts[i + 1] ?? text.length);
    const parsed = parser.parse(block) as { episodedetails: Record<string, unknown> };
    expect(Object.keys(parsed)).toEqual(['episodedetails']);
    return parsed.episodedetails;
  });
}

function stem(file: string): string {
  return file.replace(/\.mkv$/, '');
}

/** Every file publish must write for the standard library, relative to the TV library. */
function expectedFiles(): string[] {
  const files: string[] = [];
  for (const show of STANDARD_SHOWS) {
    const seasons = Object.keys(show.files);
    files.push(
      ...[
        'tvshow.nfo',
        'poster.jpg',
        'fanart.jpg',
        'clearlogo.png',
        'season-all-poster.jpg',
        'season01-poster.jpg',
        'season02-poster.jpg',
      ].map((f) => path.join(show.folder, f)),
      path.join(show.folder, '.actors', `${show.title.replace(/ /g, '_')}_Lead.jpg`),
    );
    if (seasons.includes('Specials')) files.push(path.join(show.folder, 'season-specials-poster.jpg'));
    for (const [season, videos] of Object.entries(show.files)) {
      for (const video of videos) {
        files.push(
          path.join(show.folder, season, video),
          path.join(show.folder, season, `${stem(video)}.nfo`),
          path.join(show.folder, season, `${stem(video)}-thumb.jpg`),
        );
      }
    }
  }
  return files.sort();
}

describe('the TV pipeline on the local catalogue', () => {
  it('publishes tvshow.nfo, artwork, season posters and one NFO and still per episode file, as Kodi reads them', async () => {
    pipeline = await startTvPipeline();
    const p = pipeline;
    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.tv }, manual: true });
    await p.idle();
    expect(p.failed).toEqual([]);

    const scan = p.done('scan-tv')[0]!.result as ScanTvResult;
    expect(scan).toMatchObject({
      shows: { found: 3, new: 3, removed: 0 },
      files: { found: 30, new: 30, removed: 0 },
      episodes: 31,
      enqueued: 3,
    });
    expect(p.done('enrich-tvshow')).toHaveLength(3);
    expect(p.done('publish-tvshow')).toHaveLength(3);
    expect(p.media.tv.counts()).toEqual({ shows: 3, files: 30, episodes: 31 });

    // Every file written, and nothing else.
    expect(listFiles(p.tv)).toEqual(expectedFiles());
    const art = path.join(path.dirname(p.cataloguePath), 'art');
    const alpha = path.join(p.tv, 'Alpha Show (2010)');
    expect(readFileSync(path.join(alpha, 'poster.jpg'))).toEqual(readFileSync(path.join(art, 'poster.jpg')));
    expect(readFileSync(path.join(alpha, 'season-all-poster.jpg'))).toEqual(readFileSync(path.join(art, 'poster.jpg')));
    expect(readFileSync(path.join(alpha, 'fanart.jpg'))).toEqual(readFileSync(path.join(art, 'fanart.jpg')));
    expect(readFileSync(path.join(alpha, 'clearlogo.png'))).toEqual(readFileSync(path.join(art, 'logo.png')));
    for (const poster of ['season01-poster.jpg', 'season02-poster.jpg', 'season-specials-poster.jpg']) {
      expect(readFileSync(path.join(alpha, poster))).toEqual(readFileSync(path.join(art, 'season.jpg')));
    }
    expect(readFileSync(path.join(alpha, 'Season 01', 'Alpha.Show.S01E01.1080p.WEB-thumb.jpg'))).toEqual(
      readFileSync(path.join(art, 'still.jpg')),
    );

    // tvshow.nfo of each show.
    for (const show of STANDARD_SHOWS) {
      const nfo = parser.parse(readFileSync(path.join(p.tv, show.folder, 'tvshow.nfo'), 'utf8')) as { tvshow: Record<string, unknown> };
      expect(Object.keys(nfo).filter((k) => k !== '?xml')).toEqual(['tvshow']);
      expect(nfo.tvshow).toMatchObject({
        title: show.title,
        year: String(show.year),
        premiered: `${show.year}-09-01`,
        plot: `${show.title} is about things & <people>.`,
        genre: ['Drama'],
        studio: ['Network One'],
        status: 'Ended',
        mpaa: 'TV-14',
        actor: [{ name: `${show.title} Lead`, role: 'Hero', order: '0' }],
      });
      // The original title is always there (the title, as the catalogue gives none); the
      // rating is named after the provider that supplied it.
      expect(nfo.tvshow['originaltitle']).toBe(show.title);
      expect(nfo.tvshow['ratings']).toMatchObject({ rating: { '@name': 'local', value: '8.5' } });
      expect(nfo.tvshow.uniqueid).toEqual([
        { '#text': show.id, '@type': 'tmdb', '@default': 'true' },
        { '#text': `9${show.id}`, '@type': 'tvdb' },
        { '#text': `tt000${show.id}`, '@type': 'imdb' },
      ]);
      const seasons = (nfo.tvshow.namedseason as { '#text': string; '@number': string }[]).map((s) => [s['@number'], s['#text']]);
      expect(seasons).toEqual(
        show.id === '1001'
          ? [
              ['0', 'Specials'],
              ['1', 'Season 1'],
              ['2', 'Season 2'],
            ]
          : [
              ['1', 'Season 1'],
              ['2', 'Season 2'],
            ],
      );
    }

    // Every episode NFO: root <episodedetails>, the catalogue's data, the numbers of its file.
    for (const show of STANDARD_SHOWS) {
      for (const [season, videos] of Object.entries(show.files)) {
        for (const video of videos) {
          const blocks = episodeBlocks(readFileSync(path.join(p.tv, show.folder, season, `${stem(video)}.nfo`), 'utf8'));
          const numbers = /S(\d+)E(\d+)(?:E(\d+))?/.exec(video)!;
          const s = Number(numbers[1]);
          const episodes = [Number(numbers[2]), ...(numbers[3] ? [Number(numbers[3])] : [])];
          expect(blocks.map((b) => b['episode'])).toEqual(episodes.map(String));
          for (const [i, e] of episodes.entries()) {
            expect(blocks[i]).toMatchObject({
              title: episodeTitle(show.title, s, e),
              season: String(s),
              episode: String(e),
              plot: `Episode ${e} of season ${s} of ${show.title}.`,
              runtime: '42',
              director: 'Dee Rector',
              credits: 'Ray Iter',
              actor: [{ name: 'Guest Star', role: `Guest ${e}`, order: '0' }],
              uniqueid: [{ '#text': `${show.id}${s}${e}`, '@type': 'tmdb', '@default': 'true' }],
            });
          }
        }
      }
    }

    // The multi-episode file: two blocks in one file, and Kodi's lookup (search for the
    // block whose <episode> is the one asked for) finds each.
    const multi = readFileSync(path.join(alpha, 'Season 01', 'Alpha.Show.S01E04E05.1080p.WEB.nfo'), 'utf8');
    expect(multi.match(/<episodedetails>/g)).toHaveLength(2);
    const [e4, e5] = episodeBlocks(multi);
    expect([e4!['title'], e5!['title']]).toEqual([episodeTitle('Alpha Show', 1, 4), episodeTitle('Alpha Show', 1, 5)]);
    const special = episodeBlocks(readFileSync(path.join(alpha, 'Specials', 'Alpha.Show.S00E01.Making.Of.nfo'), 'utf8'));
    expect(special).toHaveLength(1);
    expect(special[0]).toMatchObject({ season: '0', episode: '1', title: episodeTitle('Alpha Show', 0, 1) });

    // Never a movie NFO in a TV library.
    for (const file of listFiles(p.tv).filter((f) => f.endsWith('.nfo'))) {
      expect(readFileSync(path.join(p.tv, file), 'utf8'), file).not.toMatch(/<movie[\s>]/);
    }
    // The players hold what was published: Kodi lists every show and every episode with
    // its NFO's numbers and title (the two-episode file twice), and the syncs say so.
    const kodi = p.players.kodi.library;
    expect(
      kodi
        .listShows()
        .map((s) => s.title)
        .sort(),
    ).toEqual(['Alpha Show', 'Beta Show', 'Gamma Show']);
    const listed = kodi.listEpisodes().map((e) => `${path.relative(p.tv, e.file)} ${e.season}x${e.episode} ${e.title}`);
    expect(listed).toContain(`Alpha Show (2010)/Season 01/Alpha.Show.S01E04E05.1080p.WEB.mkv 1x4 ${episodeTitle('Alpha Show', 1, 4)}`);
    expect(listed).toContain(`Alpha Show (2010)/Season 01/Alpha.Show.S01E04E05.1080p.WEB.mkv 1x5 ${episodeTitle('Alpha Show', 1, 5)}`);
    expect(listed).toContain(`Alpha Show (2010)/Specials/Alpha.Show.S00E01.Making.Of.mkv 0x1 ${episodeTitle('Alpha Show', 0, 1)}`);
    expect(kodi.listEpisodes()).toHaveLength(p.media.tv.counts().episodes);
    const syncs = [...p.done('notify-kodi'), ...p.done('notify-jellyfin'), ...p.done('notify-plex')].map(
      (o) => o.result as NotifyPlayerResult,
    );
    for (const kind of ['kodi', 'jellyfin', 'plex'] as const) {
      const mine = syncs.filter((r) => r.kind === kind);
      expect(
        mine.reduce((n, r) => n + r.shows.added, 0),
        kind,
      ).toBe(3);
      expect(
        mine.reduce((n, r) => n + r.episodes.added, 0),
        kind,
      ).toBe(p.media.tv.counts().files);
    }
    expect(syncs.find((r) => r.kind === 'kodi' && r.shows.added > 0)?.confirmation).toBe('verified');
  }, 60_000);

  it('a rescan adds, changes and removes episodes and shows, and rewrites only what changed', async () => {
    pipeline = await startTvPipeline();
    const p = pipeline;
    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.tv } });
    await p.idle();
    expect(p.failed).toEqual([]);
    const beta = path.join(p.tv, 'Beta Show (2015)');
    const gamma = path.join(p.tv, 'Gamma Show (2020)');
    const alpha = path.join(p.tv, 'Alpha Show (2010)');
    const untouched = path.join(beta, 'Season 01', 'Beta.Show.S01E01.1080p.WEB.nfo');
    const stampBefore = fileStamp(untouched);
    const showNfoBefore = fileStamp(path.join(beta, 'tvshow.nfo'));

    // Added: Beta S02E06. Changed: Gamma S01E01 (an upgraded file) whose title the catalogue
    // now gives differently. Removed: Alpha S02E05.
    addVideo(path.join(beta, 'Season 02', 'Beta.Show.S02E06.1080p.WEB.mkv'));
    writeFileSync(path.join(gamma, 'Season 01', 'Gamma.Show.S01E01.1080p.WEB.mkv'), 'a bigger, upgraded video file');
    const catalogue = JSON.parse(readFileSync(p.cataloguePath, 'utf8')) as {
      series: { id: string; seasons: { number: number; episodes: { number: number; title: string }[] }[] }[];
    };
    catalogue.series
      .find((s) => s.id === '1003')!
      .seasons.find((s) => s.number === 1)!
      .episodes.find((e) => e.number === 1)!.title = 'Gamma Renamed & <Better>';
    writeFileSync(p.cataloguePath, JSON.stringify(catalogue));
    const removed = path.join(alpha, 'Season 02', 'Alpha.Show.S02E05.1080p.WEB.mkv');
    rmSync(removed);

    const before = p.completed.length;
    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.tv } });
    await p.idle();
    expect(p.failed).toEqual([]);
    const scan = p.done('scan-tv')[1]!.result as ScanTvResult;
    expect(scan.files).toEqual({ found: 30, new: 1, changed: 1, unchanged: 28, removed: 1 });
    expect(scan.shows).toEqual({ found: 3, new: 0, removed: 0 });
    // The removed file's NFO and still went with it.
    expect(scan.deletedSidecars.sort()).toEqual(
      [
        path.join('Alpha Show (2010)', 'Season 02', 'Alpha.Show.S02E05.1080p.WEB-thumb.jpg'),
        path.join('Alpha Show (2010)', 'Season 02', 'Alpha.Show.S02E05.1080p.WEB.nfo'),
      ].sort(),
    );
    expect(existsSync(removed.replace(/\.mkv$/, '.nfo'))).toBe(false);
    expect(p.media.tv.counts()).toEqual({ shows: 3, files: 30, episodes: 31 });

    const added = episodeBlocks(readFileSync(path.join(beta, 'Season 02', 'Beta.Show.S02E06.1080p.WEB.nfo'), 'utf8'));
    expect(added[0]).toMatchObject({ title: episodeTitle('Beta Show', 2, 6), season: '2', episode: '6' });
    expect(existsSync(path.join(beta, 'Season 02', 'Beta.Show.S02E06.1080p.WEB-thumb.jpg'))).toBe(true);
    const changed = episodeBlocks(readFileSync(path.join(gamma, 'Season 01', 'Gamma.Show.S01E01.1080p.WEB.nfo'), 'utf8'));
    expect(changed[0]).toMatchObject({ title: 'Gamma Renamed & <Better>', season: '1', episode: '1' });
    // Only the shows that changed went through the chain; Beta's other files were not rewritten.
    const second = p.completed.slice(before);
    expect(second.filter((o) => o.job.type === 'publish-tvshow')).toHaveLength(3);
    expect(fileStamp(untouched)).toBe(stampBefore);
    expect(fileStamp(path.join(beta, 'tvshow.nfo'))).toBe(showNfoBefore);
    const betaPublish = second.find(
      (o) => o.job.type === 'publish-tvshow' && (o.result as { episodeFiles: string[] }).episodeFiles.some((f) => f.startsWith('Beta')),
    )!;
    expect((betaPublish.result as { episodeFiles: string[] }).episodeFiles).toEqual([
      path.join('Beta Show (2015)', 'Season 02', 'Beta.Show.S02E06.1080p.WEB.mkv'),
    ]);

    // The players were told exactly that: Kodi added, refreshed and dropped one episode
    // file each (the show files it holds are unchanged), Jellyfin got each path with its
    // update type, Plex the season folders and the show folder of the removal.
    const syncResults = (type: string) => second.filter((o) => o.job.type === type).map((o) => o.result as NotifyPlayerResult);
    const sum = (results: NotifyPlayerResult[], what: 'shows' | 'episodes') =>
      results.reduce(
        (n, r) => ({ added: n.added + r[what].added, refreshed: n.refreshed + r[what].refreshed, removed: n.removed + r[what].removed }),
        { added: 0, refreshed: 0, removed: 0 },
      );
    for (const type of ['notify-kodi', 'notify-jellyfin', 'notify-plex']) {
      expect(sum(syncResults(type), 'episodes'), type).toEqual({ added: 1, refreshed: 1, removed: 1 });
      expect(sum(syncResults(type), 'shows'), type).toEqual({ added: 0, refreshed: 0, removed: 0 });
    }
    const kodi = p.players.kodi.library;
    const kodiTitle = (file: string) =>
      kodi
        .listEpisodes()
        .filter((e) => e.file === file)
        .map((e) => e.title);
    expect(kodiTitle(path.join(beta, 'Season 02', 'Beta.Show.S02E06.1080p.WEB.mkv'))).toEqual([episodeTitle('Beta Show', 2, 6)]);
    expect(kodiTitle(path.join(gamma, 'Season 01', 'Gamma.Show.S01E01.1080p.WEB.mkv'))).toEqual(['Gamma Renamed & <Better>']);
    expect(kodiTitle(removed)).toEqual([]);
    expect(kodi.listEpisodes()).toHaveLength(31);
    const updates = p.players.jellyfin.requests
      .filter((r) => r.path === '/Library/Media/Updated')
      .flatMap((r) => (r.body as { Updates: unknown[] }).Updates);
    expect(updates).toEqual(
      expect.arrayContaining([
        { Path: path.join(beta, 'Season 02', 'Beta.Show.S02E06.1080p.WEB.mkv'), UpdateType: 'Created' },
        { Path: path.join(gamma, 'Season 01', 'Gamma.Show.S01E01.1080p.WEB.mkv'), UpdateType: 'Modified' },
        { Path: removed, UpdateType: 'Deleted' },
      ]),
    );
    const plexFolders = p.players.plex.requests.filter((r) => r.path.endsWith('/refresh')).map((r) => r.query['path']);
    expect(plexFolders).toEqual(expect.arrayContaining([path.join(beta, 'Season 02'), path.join(gamma, 'Season 01'), alpha]));

    // A show removed from disk, and a new one the catalogue does not know.
    rmSync(gamma, { recursive: true });
    addVideo(path.join(p.tv, 'Delta Show (2022)', 'Season 01', 'Delta.Show.S01E01.mkv'));
    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.tv } });
    await p.idle();
    expect(p.failed).toEqual([]);
    const third = p.done('scan-tv')[2]!.result as ScanTvResult;
    expect(third.shows).toEqual({ found: 3, new: 1, removed: 1 });
    expect(
      p.media.tv
        .listShows()
        .map((s) => s.title)
        .sort(),
    ).toEqual(['Alpha Show', 'Beta Show', 'Delta Show']);
    const delta = parser.parse(readFileSync(path.join(p.tv, 'Delta Show (2022)', 'tvshow.nfo'), 'utf8')) as {
      tvshow: Record<string, unknown>;
    };
    expect(delta.tvshow).toEqual({ title: 'Delta Show', originaltitle: 'Delta Show', showtitle: 'Delta Show', year: '2022' });
    const deltaEpisode = episodeBlocks(readFileSync(path.join(p.tv, 'Delta Show (2022)', 'Season 01', 'Delta.Show.S01E01.nfo'), 'utf8'));
    expect(deltaEpisode[0]).toEqual({ title: 'Episode 1', season: '1', episode: '1' });
    // Kodi dropped Gamma with its episodes and lists Delta.
    expect(
      kodi
        .listShows()
        .map((s) => s.title)
        .sort(),
    ).toEqual(['Alpha Show', 'Beta Show', 'Delta Show']);
    expect(kodi.listEpisodes().filter((e) => e.file.startsWith(gamma))).toEqual([]);
    expect(kodi.listEpisodes()).toHaveLength(p.media.tv.counts().episodes);
  }, 60_000);

  it('a publish that rewrites nothing tells no player; one that rewrites an episode NFO has the players refresh just that file', async () => {
    pipeline = await startTvPipeline();
    const p = pipeline;
    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.tv } });
    await p.idle();
    expect(p.failed).toEqual([]);
    // A rescan of the published library: what publish wrote (NFOs, artwork, .actors) is no
    // skipped file; a stray text file is one, "not video".
    writeFileSync(path.join(p.tv, 'Beta Show (2015)', 'notes.txt'), 'my notes');
    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.tv } });
    await p.idle();
    expect((p.done('scan-tv').at(-1)!.result as ScanTvResult).skippedBy).toEqual({ 'not-video': 1 });
    const beta = p.media.tv.listShows().find((s) => s.title === 'Beta Show')!;
    const republish = async () => {
      const id = await p.queue.addJob({
        type: 'publish-tvshow',
        payload: { entityType: 'tvshow', entityId: beta.id, libraryPath: p.tv, manual: true },
        manual: true,
      });
      await p.idle();
      return p.completed.find((o) => o.job.id === id)!.result as { changed: boolean; notifyJobIds: string[] };
    };
    const syncsBefore = p.done('notify-kodi').length;
    // Every file rewritten with the same content: nothing for the players.
    expect(await republish()).toMatchObject({ changed: false, notifyJobIds: [] });
    expect(p.done('notify-kodi')).toHaveLength(syncsBefore);

    // One episode's title edited by hand in its NFO: the next publish restores it, and Kodi re-reads that file only.
    const nfo = path.join(p.tv, 'Beta Show (2015)', 'Season 01', 'Beta.Show.S01E03.1080p.WEB.nfo');
    writeFileSync(nfo, readFileSync(nfo, 'utf8').replace(episodeTitle('Beta Show', 1, 3), 'Edited by hand'));
    expect(await republish()).toMatchObject({ changed: true, notifyJobIds: [expect.any(String), expect.any(String), expect.any(String)] });
    const sync = p.done('notify-kodi').at(-1)!.result as NotifyPlayerResult;
    expect(sync).toMatchObject({
      confirmation: 'verified',
      shows: { added: 0, refreshed: 0, removed: 0 },
      episodes: { added: 0, refreshed: 1, removed: 0 },
    });
    expect(p.players.kodi.rpcCalls().filter((c) => c.method === 'VideoLibrary.RefreshEpisode')).toHaveLength(1);
  }, 60_000);

  it("a removed file's NFO stays when another video of the same name stem still uses it", async () => {
    pipeline = await startTvPipeline();
    const p = pipeline;
    const season = path.join(p.tv, 'Beta Show (2015)', 'Season 01');
    const avi = addVideo(path.join(season, 'Beta.Show.S01E02.1080p.WEB.avi'));
    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.tv } });
    await p.idle();
    const nfo = path.join(season, 'Beta.Show.S01E02.1080p.WEB.nfo');
    expect(existsSync(nfo)).toBe(true);
    rmSync(avi);
    await p.queue.addJob({ type: 'scan-tv', payload: { libraryPath: p.tv, paths: [avi] } });
    await p.idle();
    expect(p.failed).toEqual([]);
    const scan = p.done('scan-tv')[1]!.result as ScanTvResult;
    expect(scan.files.removed).toBe(1);
    expect(scan.deletedSidecars).toEqual([]);
    expect(episodeBlocks(readFileSync(nfo, 'utf8'))[0]).toMatchObject({ title: episodeTitle('Beta Show', 1, 2) });
  }, 60_000);
});
