/**
 * A fresh Kodi 20 profile for one test instance: the files Kodi reads at start, and the
 * library sources as rows of its video database.
 *
 * Why each setting:
 * - `guisettings.xml`: web server on (port, user, password); `audiooutput.streamsilence`
 *   0 lets the audio sink sleep (kept alive it costs ~20 % of a core on the null device);
 *   add-on updates off (there is no network to update from). The empty `<resolutions />`
 *   is what Kodi writes itself; without it Kodi logs that it rebuilt the file.
 * - `advancedsettings.xml`: dirty-region rendering, so an idle GUI draws (almost) nothing.
 *   With both settings Kodi idles at ~2 % of a core instead of ~45 %.
 * - `sources.xml`: the library folders, as a person adds them in Kodi's file manager.
 * - `.asoundrc`: a null ALSA device (with `KODI_AE_SINK=ALSA`); there is no sound card.
 * - The `path` rows (see {@link seedSources}): Kodi 20 scans only a source whose row says
 *   what it holds (`strContent`) and which scraper reads it; `metadata.local` reads NFOs
 *   and local artwork only. Kodi creates `MyVideos121.db` when it starts, so the rows are
 *   written right after start, before any scan (measured: the web server answers ~1 s
 *   after start and the database exists by then).
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** What Kodi should think a library folder holds. `tvshows` is for the TV-series tests. */
export type KodiContent = 'movies' | 'tvshows';

/** One library source of the test Kodi. */
export interface KodiSource {
  /** Folder as Kodi sees it (absolute; a trailing slash is added). */
  path: string;
  /** @default 'movies' */
  content?: KodiContent;
  /** Scraper add-on id. @default 'metadata.local' (NFOs and local artwork only) */
  scraper?: string;
  /** Shown in Kodi's source list. @default the folder's name */
  name?: string;
}

/** Web server credentials and port of a test profile. */
export interface KodiWebServer {
  port: number;
  username: string;
  password: string;
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function folder(p: string): string {
  return p.endsWith('/') ? p : `${p}/`;
}

/** Writes the profile files under `home` (Kodi's `$HOME`). */
export function writeProfile(home: string, web: KodiWebServer, sources: readonly KodiSource[]): void {
  const userdata = path.join(home, '.kodi', 'userdata');
  mkdirSync(userdata, { recursive: true });
  const setting = (id: string, value: string | number | boolean): string => `  <setting id="${id}">${xmlEscape(String(value))}</setting>`;
  writeFileSync(
    path.join(userdata, 'guisettings.xml'),
    [
      '<settings version="2">',
      setting('services.webserver', true),
      setting('services.webserverport', web.port),
      setting('services.webserverauthentication', true),
      setting('services.webserverusername', web.username),
      setting('services.webserverpassword', web.password),
      setting('audiooutput.streamsilence', 0),
      setting('general.addonupdates', 2),
      '  <resolutions />',
      '</settings>',
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(userdata, 'advancedsettings.xml'),
    '<advancedsettings version="1.0">\n  <gui><algorithmdirtyregions>3</algorithmdirtyregions></gui>\n</advancedsettings>\n',
  );
  const entries = sources.map(
    (s) =>
      `    <source>\n      <name>${xmlEscape(s.name ?? path.basename(s.path))}</name>\n` +
      `      <path pathversion="1">${xmlEscape(folder(s.path))}</path>\n      <allowsharing>true</allowsharing>\n    </source>`,
  );
  writeFileSync(
    path.join(userdata, 'sources.xml'),
    `<sources>\n  <video>\n    <default pathversion="1"></default>\n${entries.join('\n')}\n  </video>\n</sources>\n`,
  );
  writeFileSync(path.join(home, '.asoundrc'), 'pcm.!default { type null }\nctl.!default { type hw card 0 }\n');
}

/** The video database Kodi created under `home` (`MyVideos<n>.db`, highest n). */
export function videoDatabaseFile(home: string): string {
  const dir = path.join(home, '.kodi', 'userdata', 'Database');
  const found = readdirSync(dir)
    .map((name) => /^MyVideos(\d+)\.db$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]))[0];
  if (!found) throw new Error(`Kodi created no MyVideos*.db in ${dir}`);
  return path.join(dir, found[0]);
}

/**
 * Inserts (or updates) the `path` row of each source, as Kodi's "Set content" dialog does:
 * content type, scraper, and recursion (movies: every level; TV shows: the show folders).
 */
export function seedSources(databaseFile: string, sources: readonly KodiSource[]): void {
  const db = new Database(databaseFile);
  try {
    db.pragma('busy_timeout = 10000');
    const find = db.prepare('SELECT idPath FROM path WHERE strPath = ?');
    const update = db.prepare(
      'UPDATE path SET strContent = ?, strScraper = ?, scanRecursive = ?, useFolderNames = 0, noUpdate = 0, exclude = 0 WHERE idPath = ?',
    );
    const insert = db.prepare(
      `INSERT INTO path (strPath, strContent, strScraper, scanRecursive, useFolderNames, strSettings, noUpdate, exclude, allAudio)
       VALUES (?, ?, ?, ?, 0, '', 0, 0, 0)`,
    );
    db.transaction(() => {
      for (const source of sources) {
        const content = source.content ?? 'movies';
        const recursive = content === 'movies' ? 2147483647 : 0;
        const scraper = source.scraper ?? 'metadata.local';
        const row = find.get(folder(source.path)) as { idPath: number } | undefined;
        if (row) update.run(content, scraper, recursive, row.idPath);
        else insert.run(folder(source.path), content, scraper, recursive);
      }
    })();
  } finally {
    db.close();
  }
}
