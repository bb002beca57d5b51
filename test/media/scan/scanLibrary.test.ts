import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../../src/errors.js';
import { DEFAULT_PHASE_CONFIG } from '../../../src/media/phases.js';
import { scanLibrary, type ScanOptions } from '../../../src/media/scan/scanLibrary.js';

const MB = 1024 * 1024;
let root: string;
let outside: string;

/** Creates a file of `sizeMB` (sparse: no disk is used). */
function video(rel: string, sizeMB = 60): string {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '');
  truncateSync(file, Math.round(sizeMB * MB));
  return file;
}

const defaults: ScanOptions = DEFAULT_PHASE_CONFIG.scan;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'phaseq-scan-'));
  outside = mkdtempSync(path.join(tmpdir(), 'phaseq-outside-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('scanLibrary', () => {
  it('finds one movie per folder, titled from the folder, and one per file in a flat library', async () => {
    video('The Matrix (1999)/the.matrix.1080p.mkv');
    video('Heat.1995.1080p.BluRay/heat-group.mp4');
    video('Alien.1979.720p.mkv');
    video('Brazil (1985).avi');
    const { movies } = await scanLibrary(root, root, defaults);
    const byTitle = Object.fromEntries(movies.map((m) => [m.title, m]));
    expect(Object.keys(byTitle).sort()).toEqual(['Alien', 'Brazil', 'Heat', 'The Matrix']);
    expect(byTitle['The Matrix']).toMatchObject({ year: 1999, folder: path.join(root, 'The Matrix (1999)'), size: 60 * MB });
    expect(byTitle['Heat']!.year).toBe(1995);
    expect(byTitle['Alien']).toMatchObject({ year: 1979, folder: root });
    expect(byTitle['Alien']!.mtime).toBeGreaterThan(0);
  });

  it('titles each file from its own name when a folder holds several movies', async () => {
    video('Collection/Alien (1979).mkv');
    video('Collection/Aliens (1986).mkv');
    const { movies } = await scanLibrary(root, root, defaults);
    expect(movies.map((m) => `${m.title} ${m.year}`).sort()).toEqual(['Alien 1979', 'Aliens 1986']);
  });

  it('honours the default ignore globs: samples, partial downloads, hidden files', async () => {
    video('Heat (1995)/Heat.mkv');
    video('Heat (1995)/Sample/heat-sample.mkv');
    video('Heat (1995)/Heat.sample.mkv');
    video('Ronin (1998)/Ronin.mkv.part');
    video('.hidden/Secret (2000).mkv');
    video('Tron (1982)/.Tron.mkv');
    const result = await scanLibrary(root, root, defaults);
    expect(result.movies.map((m) => m.title)).toEqual(['Heat']);
    expect(
      result.skipped
        .filter((s) => s.reason === 'ignored')
        .map((s) => path.relative(root, s.path))
        .sort(),
    ).toEqual(
      ['.hidden', 'Heat (1995)/Heat.sample.mkv', 'Heat (1995)/Sample', 'Ronin (1998)/Ronin.mkv.part', 'Tron (1982)/.Tron.mkv'].sort(),
    );
  });

  it('reports files that are not videos, but not the files that go with a video, nor .actors', async () => {
    video('Heat (1995)/Heat.mkv');
    video('Heat (1995)/Heat.nfo');
    video('Heat (1995)/Heat-poster.jpg');
    video('Heat (1995)/Heat.en.srt');
    video('Heat (1995)/.actors/Al_Pacino.jpg');
    video('Heat (1995)/.DS_Store');
    video('Heat (1995)/notes.txt');
    video('Ronin (1998)/Ronin.rar');
    const result = await scanLibrary(root, root, defaults);
    expect(result.movies.map((m) => m.title)).toEqual(['Heat']);
    expect(result.skipped.map((s) => [path.relative(root, s.path), s.reason])).toEqual([
      ['Heat (1995)/notes.txt', 'not-video'],
      ['Ronin (1998)/Ronin.rar', 'not-video'],
    ]);
  });

  it('honours custom ignore globs, including base-name globs', async () => {
    video('Heat (1995)/Heat.mkv');
    video('Extras/Behind the scenes (2001).mkv');
    video('Brazil (1985)/Brazil.mkv');
    const { movies } = await scanLibrary(root, root, { ...defaults, ignorePatterns: ['Extras', '**/Brazil*/**'] });
    expect(movies.map((m) => m.title)).toEqual(['Heat']);
  });

  it('applies the size limits (0 = no upper limit)', async () => {
    video('Small (2001)/small.mkv', 10);
    video('Big (2002)/big.mkv', 3 * 1024);
    video('Fine (2003)/fine.mkv', 700);
    const limited = await scanLibrary(root, root, { ...defaults, minFileSizeMB: 50, maxFileSizeGB: 2 });
    expect(limited.movies.map((m) => m.title)).toEqual(['Fine']);
    expect(limited.skipped.map((s) => s.reason).sort()).toEqual(['too-large', 'too-small']);
    const unlimited = await scanLibrary(root, root, { ...defaults, minFileSizeMB: 0, maxFileSizeGB: 0 });
    expect(unlimited.movies.map((m) => m.title).sort()).toEqual(['Big', 'Fine', 'Small']);
  });

  it('only takes the configured extensions, in any case, with or without a dot', async () => {
    video('A (2001)/a.MKV');
    video('B (2002)/b.mp4');
    video('C (2003)/c.txt');
    const { movies } = await scanLibrary(root, root, { ...defaults, videoExtensions: ['.mkv'] });
    expect(movies.map((m) => m.title)).toEqual(['A']);
  });

  it('counts stacked parts once', async () => {
    video('Dune (1984)/Dune cd1.avi');
    video('Dune (1984)/Dune cd2.avi');
    const result = await scanLibrary(root, root, defaults);
    expect(result.movies.map((m) => path.basename(m.videoFile))).toEqual(['Dune cd1.avi']);
    expect(result.movies[0]!.title).toBe('Dune');
    expect(result.skipped.map((s) => s.reason)).toEqual(['stacked-part']);
  });

  it('does not follow a symlinked folder out of the library', async () => {
    mkdirSync(path.join(outside, 'Escape (2000)'));
    writeFileSync(path.join(outside, 'Escape (2000)', 'escape.mkv'), '');
    truncateSync(path.join(outside, 'Escape (2000)', 'escape.mkv'), 60 * MB);
    symlinkSync(path.join(outside, 'Escape (2000)'), path.join(root, 'Escape (2000)'));
    video('Heat (1995)/Heat.mkv');
    const result = await scanLibrary(root, root, defaults);
    expect(result.movies.map((m) => m.title)).toEqual(['Heat']);
    expect(result.skipped).toEqual([{ path: path.join(root, 'Escape (2000)'), reason: 'symlinked-folder' }]);
  });

  it('scans one folder inside the library, or one file', async () => {
    video('Heat (1995)/Heat.mkv');
    const ronin = video('Ronin (1998)/Ronin.mkv');
    const folder = await scanLibrary(root, path.join(root, 'Ronin (1998)'), defaults);
    expect(folder.movies.map((m) => m.title)).toEqual(['Ronin']);
    const one = await scanLibrary(root, path.dirname(ronin), defaults, { onlyFile: ronin });
    expect(one.movies).toHaveLength(1);
    expect(one.movies[0]).toMatchObject({ title: 'Ronin', year: 1998, videoFile: ronin });
  });

  it('fails clearly for a missing folder or a file', async () => {
    await expect(scanLibrary(root, path.join(root, 'nope'), defaults)).rejects.toThrow(NotFoundError);
    await expect(scanLibrary(root, path.join(root, 'nope'), defaults)).rejects.toThrow(/does not exist/);
    const file = video('file.mkv');
    await expect(scanLibrary(root, file, defaults)).rejects.toThrow(ValidationError);
    await expect(scanLibrary(root, file, defaults)).rejects.toThrow(/is not a folder/);
  });

  it('stops when its signal is aborted', async () => {
    video('Heat (1995)/Heat.mkv');
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    await expect(scanLibrary(root, root, defaults, { signal: controller.signal })).rejects.toThrow('stop now');
  });
});

describe('scanLibrary and links', () => {
  it('skips a dangling symlink instead of failing the scan', async () => {
    video('Heat (1995)/Heat.mkv');
    mkdirSync(path.join(root, 'Ghost (2001)'));
    symlinkSync(path.join(outside, 'missing.mkv'), path.join(root, 'Ghost (2001)', 'ghost.mkv'));
    const result = await scanLibrary(root, root, defaults);
    expect(result.movies.map((m) => m.title)).toEqual(['Heat']);
    expect(result.skipped).toEqual([{ path: path.join(root, 'Ghost (2001)', 'ghost.mkv'), reason: 'broken-link' }]);
  });

  it('follows a symlinked video file', async () => {
    const real = path.join(outside, 'real.mkv');
    writeFileSync(real, '');
    truncateSync(real, 60 * MB);
    mkdirSync(path.join(root, 'Linked (2002)'));
    symlinkSync(real, path.join(root, 'Linked (2002)', 'linked.mkv'));
    const { movies } = await scanLibrary(root, root, defaults);
    expect(movies).toEqual([expect.objectContaining({ title: 'Linked', year: 2002, size: 60 * MB })]);
  });
});
