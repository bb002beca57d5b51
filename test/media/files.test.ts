import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DownloadError, PathOutsideLibraryError } from '../../src/media/errors.js';
import { downloadTo, resolveInside, writeFileAtomic } from '../../src/media/files.js';
import { imageSize, makeJpeg } from './support/images.js';
import { makeProviderMovies, type ProviderServer, startProviderServer } from './support/providerServer.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'phaseq-files-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Files whose names look like our temp files: none may survive a write, failed or not. */
function leftovers(folder: string): string[] {
  return readdirSync(folder).filter((name) => name.endsWith('.tmp'));
}

const PAST = new Date('2020-01-01T00:00:00Z');

describe('writeFileAtomic', () => {
  it('creates missing folders, writes the content and leaves no temp file', async () => {
    const target = path.join(dir, 'a', 'b', 'movie.nfo');
    expect(await writeFileAtomic(target, '<movie/>')).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('<movie/>');
    expect(leftovers(path.dirname(target))).toEqual([]);
  });

  it('leaves a file with the same content untouched (same mtime) and replaces a different one', async () => {
    const target = path.join(dir, 'x.nfo');
    await writeFileAtomic(target, Buffer.from('same'));
    utimesSync(target, PAST, PAST);
    expect(await writeFileAtomic(target, 'same')).toBe(false);
    expect(statSync(target).mtime.getTime()).toBe(PAST.getTime());
    expect(await writeFileAtomic(target, 'different')).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('different');
    expect(statSync(target).mtime.getTime()).not.toBe(PAST.getTime());
  });

  it('throws when the target cannot be replaced and cleans up its temp file', async () => {
    const target = path.join(dir, 'is-a-dir');
    mkdirSync(path.join(target, 'child'), { recursive: true });
    await expect(writeFileAtomic(target, 'data')).rejects.toMatchObject({ code: expect.stringMatching(/EISDIR|ENOTEMPTY|EEXIST|EPERM/) });
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('resolveInside', () => {
  it('joins a plain relative path, existing or not', async () => {
    expect(await resolveInside(dir, 'Heat (1995)/Heat.nfo')).toBe(path.join(dir, 'Heat (1995)', 'Heat.nfo'));
    expect(await resolveInside(dir, '')).toBe(path.resolve(dir));
    // Dots inside a name are not a ".." segment.
    expect(await resolveInside(dir, 'Movie..Name (2000)/..x.nfo')).toBe(path.join(dir, 'Movie..Name (2000)', '..x.nfo'));
  });

  it.each([
    ['../escape.nfo', '".." segments'],
    ['Heat (1995)/../../escape', '".." segments'],
    ['a/../b', '".." segments'],
    ['..\\escape', '".." segments'],
    ['/etc/passwd', 'absolute'],
    ['C:\\Windows', 'absolute'],
    ['bad\0name', 'NUL'],
  ])('refuses %j', async (relative, reason) => {
    const error = await resolveInside(dir, relative).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PathOutsideLibraryError);
    expect((error as PathOutsideLibraryError).code).toBe('PATH_OUTSIDE_LIBRARY');
    expect((error as PathOutsideLibraryError).path).toBe(relative);
    expect((error as Error).message).toContain(reason);
  });

  it('refuses a path through a symlink that leads out of the root, and accepts one that stays inside', async () => {
    const root = path.join(dir, 'library');
    const outside = path.join(dir, 'outside');
    mkdirSync(path.join(root, 'real'), { recursive: true });
    mkdirSync(outside);
    symlinkSync(outside, path.join(root, 'evil'));
    symlinkSync(path.join(root, 'real'), path.join(root, 'alias'));
    await expect(resolveInside(root, 'evil/new-file.nfo')).rejects.toBeInstanceOf(PathOutsideLibraryError);
    await expect(resolveInside(root, 'evil')).rejects.toBeInstanceOf(PathOutsideLibraryError);
    expect(await resolveInside(root, 'alias/new/deeper.nfo')).toBe(path.join(root, 'alias', 'new', 'deeper.nfo'));
  });

  it('accepts a root that is itself reached through a symlink', async () => {
    mkdirSync(path.join(dir, 'real-root'));
    symlinkSync(path.join(dir, 'real-root'), path.join(dir, 'link-root'));
    expect(await resolveInside(path.join(dir, 'link-root'), 'a.nfo')).toBe(path.join(dir, 'link-root', 'a.nfo'));
  });
});

describe('downloadTo', () => {
  let server: ProviderServer;
  let posterUrl: string;
  beforeAll(async () => {
    server = await startProviderServer(makeProviderMovies(1));
    posterUrl = `${server.imageBaseUrl}/1-poster-0-1000x1500.jpg`;
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.failNone();
  });

  it('downloads over HTTP atomically, then reports an identical second download as unchanged without touching the file', async () => {
    const dest = path.join(dir, 'Movie', 'Movie-poster.jpg');
    const first = await downloadTo(posterUrl, dest);
    expect(first.outcome).toBe('written');
    expect(imageSize(readFileSync(dest))).toEqual({ format: 'jpeg', width: 1000, height: 1500 });
    expect(first.bytes).toBe(statSync(dest).size);
    utimesSync(dest, PAST, PAST);
    const second = await downloadTo(posterUrl, dest);
    expect(second).toEqual({ ...first, outcome: 'unchanged' });
    expect(statSync(dest).mtime.getTime()).toBe(PAST.getTime());
    expect(leftovers(path.dirname(dest))).toEqual([]);
  });

  it('replaces a destination whose content differs', async () => {
    const dest = path.join(dir, 'poster.jpg');
    writeFileSync(dest, 'old bytes');
    expect((await downloadTo(posterUrl, dest)).outcome).toBe('written');
    expect(imageSize(readFileSync(dest))?.width).toBe(1000);
  });

  it('copies local files given as absolute paths or file: URLs', async () => {
    const source = path.join(dir, 'source.jpg');
    writeFileSync(source, makeJpeg(640, 480));
    await downloadTo(source, path.join(dir, 'out', 'a.jpg'));
    await downloadTo(pathToFileURL(source).href, path.join(dir, 'out', 'b.jpg'));
    expect(imageSize(readFileSync(path.join(dir, 'out', 'a.jpg')))).toEqual({ format: 'jpeg', width: 640, height: 480 });
    expect(readFileSync(path.join(dir, 'out', 'b.jpg')).equals(readFileSync(source))).toBe(true);
  });

  it('refuses relative paths and missing files as permanent failures', async () => {
    const relative = await downloadTo('art/poster.jpg', path.join(dir, 'x.jpg')).catch((e: unknown) => e);
    expect(relative).toBeInstanceOf(DownloadError);
    expect((relative as DownloadError).transient).toBe(false);
    const missing = await downloadTo(path.join(dir, 'nope.jpg'), path.join(dir, 'x.jpg')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(DownloadError);
    expect((missing as DownloadError).transient).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('throws a DownloadError with the status on HTTP errors and leaves nothing behind', async () => {
    const dest = path.join(dir, 'poster.jpg');
    const notFound = await downloadTo(`${server.imageBaseUrl}/no-such.jpg`, dest).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(DownloadError);
    expect((notFound as DownloadError).status).toBe(404);
    expect((notFound as DownloadError).transient).toBe(false);
    server.failNext(1, { status: 503 });
    const unavailable = await downloadTo(posterUrl, dest).catch((e: unknown) => e);
    expect((unavailable as DownloadError).status).toBe(503);
    expect((unavailable as DownloadError).transient).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('turns a dropped connection into a transient DownloadError without status', async () => {
    server.failNext(1, { status: 'reset' });
    const error = await downloadTo(posterUrl, path.join(dir, 'p.jpg')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as DownloadError).status).toBeNull();
    expect((error as DownloadError).transient).toBe(true);
  });

  it('enforces maxBytes for HTTP and local sources', async () => {
    const httpError = await downloadTo(posterUrl, path.join(dir, 'p.jpg'), undefined, { maxBytes: 100 }).catch((e: unknown) => e);
    expect(httpError).toBeInstanceOf(DownloadError);
    expect((httpError as Error).message).toMatch(/exceed|more than/);
    const source = path.join(dir, 'big.bin');
    writeFileSync(source, Buffer.alloc(5000));
    const fileError = await downloadTo(source, path.join(dir, 'copy.bin'), undefined, { maxBytes: 4999 }).catch((e: unknown) => e);
    expect(fileError).toBeInstanceOf(DownloadError);
    expect((fileError as DownloadError).transient).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['big.bin']);
  });

  it('rethrows the abort reason of an aborted signal', async () => {
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    controller.abort(reason);
    await expect(downloadTo(posterUrl, path.join(dir, 'p.jpg'), controller.signal)).rejects.toBe(reason);
    expect(readdirSync(dir)).toEqual([]);
  });
});
