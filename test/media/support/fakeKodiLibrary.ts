/**
 * The video library behind the fake Kodi: what the unit tests' Kodi holds, and how its
 * library methods behave, modelled on what a real Kodi 20.1 does (the real-Kodi suite,
 * `npm run test:kodi`, checks the sync against the real thing):
 *
 * - `VideoLibrary.Scan` reads the folder (through the fake's path view) and adds every
 *   video file it does not hold yet that has its NFO, titled by it (an NFO-only scraper,
 *   `metadata.local`, skips a movie without one and finds it on a later scan, as it does
 *   shows and episodes); Kodi then reports itself busy
 *   (`Library.IsScanningVideo`) for `busyPolls` questions. A Scan that arrives while it
 *   is busy STOPS the running work and adds nothing: Kodi's scan builtin toggles.
 * - `VideoLibrary.Clean` drops movies whose files are gone, and is busy like a scan.
 * - `RefreshMovie` re-reads the NFO and re-adds the movie under a new id; `RemoveMovie`
 *   drops it at once; `GetMovies` filters on `path` with `startswith`.
 * - `dropScans(n)` makes the next n scans answer "OK" and do nothing (a scan toggled off
 *   by someone else); `busyFor(n)` makes Kodi busy with work of its own.
 * - TV: a folder given to `addTvSource` is a `tvshows` source read by `metadata.local`. Its
 *   scan adds every show folder that has a `tvshow.nfo` (titled by it) and one episode per
 *   `<episodedetails>` block of each video file's NFO (season and episode from the block),
 *   skipping files it holds; a show or file without its NFO is left out, and found by a
 *   later scan once the NFO is there (as Kodi 20 does). `RefreshTVShow` re-reads
 *   `tvshow.nfo` and keeps its id; `RefreshEpisode` drops the episode and reads it from the
 *   file's NFO again (a new id), the file's other episodes left as they are. TV refreshes
 *   are queued, as in Kodi's library queue, and run at the next call that is not a
 *   refresh; a refresh of a show folder or file already queued is dropped (Kodi compares
 *   its jobs by path, so the second episode of a two-episode file needs a refresh of its
 *   own once the first ran). `RemoveEpisode` / `RemoveTVShow` (with its episodes) drop at
 *   once; `GetTVShows` and `GetEpisodes` filter on `path` with `startswith`, as Kodi 20
 *   does (checked by the real-Kodi suite).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** How the fake Kodi's paths (e.g. `smb://nas/movies/`) lie on this machine's disk. */
export interface FakeKodiPathView {
  kodi: string;
  disk: string;
}

/** One TV show the fake Kodi holds. */
export interface FakeKodiShow {
  tvshowid: number;
  /** The show folder as Kodi names it, ending with a separator. */
  file: string;
  title: string;
  plot: string;
}

/** One episode the fake Kodi holds. */
export interface FakeKodiEpisode {
  episodeid: number;
  tvshowid: number;
  /** The video file as Kodi names it. */
  file: string;
  season: number;
  episode: number;
  title: string;
}

/** One movie the fake Kodi holds. */
export interface FakeKodiMovie {
  movieid: number;
  /** The file as Kodi names it. */
  file: string;
  title: string;
  plot: string;
}

const VIDEO = /\.(mkv|mp4|avi|m4v|mov|ts|webm)$/i;

function tag(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return match?.[1]
    ?.replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The library model; see the module comment. */
export class FakeKodiLibrary {
  readonly movies = new Map<number, FakeKodiMovie>();
  readonly shows = new Map<number, FakeKodiShow>();
  readonly episodes = new Map<number, FakeKodiEpisode>();
  /** Folders (Kodi's paths, ending with a separator) whose content is TV shows. */
  readonly tvSources = new Set<string>();
  #nextShowId = 1;
  #nextEpisodeId = 1;
  /** TV refreshes not run yet, by the path Kodi compares them on. */
  readonly #refreshes = new Map<string, () => void>();
  /** Refreshes dropped because one of the same path was queued. */
  droppedRefreshes = 0;
  /** Questions a scan or clean stays busy for. */
  busyPolls = 1;
  #busy = 0;
  #dropScans = 0;
  #nextId = 1;
  /** Scans that were toggled off by a Scan arriving while busy, or dropped on purpose. */
  lostScans = 0;

  constructor(readonly views: FakeKodiPathView[] = []) {}

  /** The disk path of a Kodi path (identity when no view matches). Scanned files keep Kodi's notation. */
  toDisk(kodiPath: string): string {
    for (const view of this.views) {
      if (kodiPath.startsWith(view.kodi)) return path.join(view.disk, kodiPath.slice(view.kodi.length));
    }
    return kodiPath;
  }

  /** Empties the library and forgets every injected behaviour. */
  reset(): void {
    this.#refreshes.clear();
    this.droppedRefreshes = 0;
    this.movies.clear();
    this.shows.clear();
    this.episodes.clear();
    this.busyPolls = 1;
    this.#busy = 0;
    this.#dropScans = 0;
    this.lostScans = 0;
  }

  dropScans(count: number): void {
    this.#dropScans = count;
  }

  busyFor(polls: number): void {
    this.#busy = polls;
  }

  /** The movie holding `file`, if any. */
  byFile(file: string): FakeKodiMovie | undefined {
    return [...this.movies.values()].find((m) => m.file === file);
  }

  #read(diskFile: string): { title: string; plot: string } {
    const nfo = diskFile.replace(/\.[^./]+$/, '.nfo');
    const xml = existsSync(nfo) ? readFileSync(nfo, 'utf8') : '';
    return { title: tag(xml, 'title') ?? path.basename(diskFile).replace(/\.[^.]+$/, ''), plot: tag(xml, 'plot') ?? '' };
  }

  #add(kodiFile: string): void {
    const movieid = this.#nextId++;
    this.movies.set(movieid, { movieid, file: kodiFile, ...this.#read(this.toDisk(kodiFile)) });
  }

  /** Runs the queued TV refreshes, in order (time passes for Kodi's library queue). */
  runQueued(): void {
    const jobs = [...this.#refreshes.values()];
    this.#refreshes.clear();
    for (const job of jobs) job();
  }

  #queueRefresh(path: string, job: () => void): void {
    if (this.#refreshes.has(path)) this.droppedRefreshes += 1;
    else this.#refreshes.set(path, job);
  }

  isScanning(): boolean {
    this.runQueued();
    if (this.#busy > 0) {
      this.#busy -= 1;
      return true;
    }
    return false;
  }

  /** Makes `directory` (Kodi's path) a `tvshows` source: its scans read shows and episodes. */
  addTvSource(directory: string): void {
    this.tvSources.add(directory.endsWith('/') ? directory : `${directory}/`);
  }

  #tvSourceOf(directory: string): string | undefined {
    const dir = directory.endsWith('/') ? directory : `${directory}/`;
    return [...this.tvSources].find((source) => dir.startsWith(source));
  }

  scan(directory: string): void {
    this.runQueued();
    if (this.#busy > 0) {
      // The toggle: the running work stops, nothing starts.
      this.#busy = 0;
      this.lostScans += 1;
      return;
    }
    if (this.#dropScans > 0) {
      this.#dropScans -= 1;
      this.lostScans += 1;
      return;
    }
    const tvSource = this.#tvSourceOf(directory);
    if (tvSource !== undefined) {
      this.#scanTv(tvSource);
      this.#busy = this.busyPolls;
      return;
    }
    // Files are named as Kodi reached them: below the folder it was asked to scan.
    const root = this.toDisk(directory);
    const walk = (dir: string): void => {
      if (!existsSync(dir)) return;
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.name.startsWith('.')) continue;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (VIDEO.test(entry.name) && !/-trailer\./i.test(entry.name) && statSync(full).isFile()) {
          if (!existsSync(full.replace(/\.[^./]+$/, '.nfo'))) continue;
          const file = directory + path.relative(root, full);
          if (!this.byFile(file)) this.#add(file);
        }
      }
    };
    walk(root);
    this.#busy = this.busyPolls;
  }

  clean(directory: string): void {
    if (this.#busy > 0) return;
    for (const movie of [...this.movies.values()]) {
      if (movie.file.startsWith(directory) && !existsSync(this.toDisk(movie.file))) this.movies.delete(movie.movieid);
    }
    for (const episode of [...this.episodes.values()]) {
      if (episode.file.startsWith(directory) && !existsSync(this.toDisk(episode.file))) this.episodes.delete(episode.episodeid);
    }
    this.#busy = this.busyPolls;
  }

  /** Reads every show folder of a TV source: new shows, and the episode files it does not hold yet. */
  #scanTv(source: string): void {
    const root = this.toDisk(source);
    if (!existsSync(root)) return;
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const folder = `${source}${entry.name}/`;
      let show = this.showByFile(folder);
      const files: string[] = [];
      const walk = (dir: string): void => {
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          const full = path.join(dir, e.name);
          if (e.isDirectory() && !e.name.startsWith('.')) walk(full);
          else if (VIDEO.test(e.name) && statSync(full).isFile()) files.push(folder + path.relative(path.join(root, entry.name), full));
        }
      };
      walk(path.join(root, entry.name));
      if (files.length === 0) continue;
      if (!show && !existsSync(path.join(root, entry.name, 'tvshow.nfo'))) continue;
      if (!show) {
        const tvshowid = this.#nextShowId++;
        show = { tvshowid, file: folder, ...this.#readShow(folder) };
        this.shows.set(tvshowid, show);
      }
      for (const file of files.sort()) if (!this.episodesOf(file).length) this.#addEpisodes(show.tvshowid, file);
    }
  }

  #readShow(folder: string): { title: string; plot: string } {
    const nfo = path.join(this.toDisk(folder), 'tvshow.nfo');
    const xml = existsSync(nfo) ? readFileSync(nfo, 'utf8') : '';
    return { title: tag(xml, 'title') ?? path.basename(folder), plot: tag(xml, 'plot') ?? '' };
  }

  /** The episodes an episode file's NFO describes, one per block (none without an NFO). */
  #readEpisodes(file: string): { season: number; episode: number; title: string }[] {
    const nfo = this.toDisk(file).replace(/\.[^./]+$/, '.nfo');
    const xml = existsSync(nfo) ? readFileSync(nfo, 'utf8') : '';
    return (xml.match(/<episodedetails>[\s\S]*?<\/episodedetails>/g) ?? []).map((block) => ({
      season: Number(tag(block, 'season') ?? -1),
      episode: Number(tag(block, 'episode') ?? -1),
      title: tag(block, 'title') ?? path.basename(file),
    }));
  }

  #addEpisodes(tvshowid: number, file: string, only?: (e: { season: number; episode: number }) => boolean): void {
    for (const read of this.#readEpisodes(file)) {
      if (only && !only(read)) continue;
      const episodeid = this.#nextEpisodeId++;
      this.episodes.set(episodeid, { episodeid, tvshowid, file, ...read });
    }
  }

  /** The show whose folder is `folder` (Kodi's path, ending with a separator). */
  showByFile(folder: string): FakeKodiShow | undefined {
    return [...this.shows.values()].find((s) => s.file === folder);
  }

  /** The episodes of one video file, in id order. */
  episodesOf(file: string): FakeKodiEpisode[] {
    return [...this.episodes.values()].filter((e) => e.file === file).sort((a, b) => a.episodeid - b.episodeid);
  }

  /** False when there is no such show. Queued; keeps the show's id, as Kodi does. */
  refreshShow(tvshowid: number): boolean {
    const show = this.shows.get(tvshowid);
    if (!show) return false;
    this.#queueRefresh(show.file, () => Object.assign(show, this.#readShow(show.file)));
    return true;
  }

  /**
   * False when there is no such episode. Queued; the episode is read again from its file's
   * NFO under a new id, the file's other episodes left as they are.
   */
  refreshEpisode(episodeid: number): boolean {
    const episode = this.episodes.get(episodeid);
    if (!episode) return false;
    this.#queueRefresh(episode.file, () => {
      if (!this.episodes.delete(episodeid)) return;
      const held = this.episodesOf(episode.file);
      this.#addEpisodes(episode.tvshowid, episode.file, (e) => !held.some((h) => h.season === e.season && h.episode === e.episode));
    });
    return true;
  }

  removeEpisode(episodeid: number): boolean {
    return this.episodes.delete(episodeid);
  }

  removeShow(tvshowid: number): boolean {
    if (!this.shows.delete(tvshowid)) return false;
    for (const episode of [...this.episodes.values()]) if (episode.tvshowid === tvshowid) this.episodes.delete(episode.episodeid);
    return true;
  }

  listShows(startsWith?: string): FakeKodiShow[] {
    this.runQueued();
    return [...this.shows.values()]
      .filter((s) => startsWith === undefined || s.file.startsWith(startsWith))
      .sort((a, b) => a.tvshowid - b.tvshowid);
  }

  listEpisodes(startsWith?: string): FakeKodiEpisode[] {
    this.runQueued();
    return [...this.episodes.values()]
      .filter((e) => startsWith === undefined || e.file.startsWith(startsWith))
      .sort((a, b) => a.episodeid - b.episodeid);
  }

  /** False when there is no such movie (Kodi answers "Invalid params"). */
  refresh(movieid: number): boolean {
    const movie = this.movies.get(movieid);
    if (!movie) return false;
    this.movies.delete(movieid);
    this.#add(movie.file);
    return true;
  }

  remove(movieid: number): boolean {
    return this.movies.delete(movieid);
  }

  list(startsWith?: string): FakeKodiMovie[] {
    return [...this.movies.values()]
      .filter((m) => startsWith === undefined || m.file.startsWith(startsWith))
      .sort((a, b) => a.movieid - b.movieid);
  }
}
