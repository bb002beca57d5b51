/**
 * The video library behind the fake Kodi: what the unit tests' Kodi holds, and how its
 * library methods behave, modelled on what a real Kodi 20.1 does (the real-Kodi suite,
 * `npm run test:kodi`, checks the sync against the real thing):
 *
 * - `VideoLibrary.Scan` reads the folder (through the fake's path view) and adds every
 *   video file it does not hold yet, titled by its NFO; Kodi then reports itself busy
 *   (`Library.IsScanningVideo`) for `busyPolls` questions. A Scan that arrives while it
 *   is busy STOPS the running work and adds nothing: Kodi's scan builtin toggles.
 * - `VideoLibrary.Clean` drops movies whose files are gone, and is busy like a scan.
 * - `RefreshMovie` re-reads the NFO and re-adds the movie under a new id; `RemoveMovie`
 *   drops it at once; `GetMovies` filters on `path` with `startswith`.
 * - `dropScans(n)` makes the next n scans answer "OK" and do nothing (a scan toggled off
 *   by someone else); `busyFor(n)` makes Kodi busy with work of its own.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** How the fake Kodi's paths (e.g. `smb://nas/movies/`) lie on this machine's disk. */
export interface FakeKodiPathView {
  kodi: string;
  disk: string;
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
  return match?.[1]?.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** The library model; see the module comment. */
export class FakeKodiLibrary {
  readonly movies = new Map<number, FakeKodiMovie>();
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
    this.movies.clear();
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

  isScanning(): boolean {
    if (this.#busy > 0) {
      this.#busy -= 1;
      return true;
    }
    return false;
  }

  scan(directory: string): void {
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
    // Files are named as Kodi reached them: below the folder it was asked to scan.
    const root = this.toDisk(directory);
    const walk = (dir: string): void => {
      if (!existsSync(dir)) return;
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.name.startsWith('.')) continue;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (VIDEO.test(entry.name) && !/-trailer\./i.test(entry.name) && statSync(full).isFile()) {
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
    this.#busy = this.busyPolls;
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
