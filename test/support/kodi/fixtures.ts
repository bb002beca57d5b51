/**
 * Real media for the real-Kodi tests, made with ffmpeg once per test run (the folder comes
 * from the suite's global setup) and copied from there: a 1-second H.264/AAC clip Kodi
 * can probe, and small JPEGs for posters, fanart and actor photos.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/** The files {@link ensureMediaFixtures} makes. */
export interface MediaFixtures {
  /** A 1 s, 160x120 MP4 (H.264 + AAC), ~15 KB. */
  clip: string;
  poster: string;
  fanart: string;
  actor: string;
  /** A second poster, for "the artwork changed" cases. */
  posterAlt: string;
}

function ffmpeg(args: string[]): void {
  const run = spawnSync('ffmpeg', ['-v', 'error', '-y', ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${run.stderr || run.error?.message}`);
}

/** Makes the fixtures in `dir` unless they are already there; returns their paths. */
export function ensureMediaFixtures(dir: string): MediaFixtures {
  mkdirSync(dir, { recursive: true });
  const files: MediaFixtures = {
    clip: path.join(dir, 'clip.mp4'),
    poster: path.join(dir, 'poster.jpg'),
    fanart: path.join(dir, 'fanart.jpg'),
    actor: path.join(dir, 'actor.jpg'),
    posterAlt: path.join(dir, 'poster-alt.jpg'),
  };
  if (!existsSync(files.clip)) {
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=160x120:rate=10',
      '-f',
      'lavfi',
      '-i',
      'anullsrc=r=8000:cl=mono',
      '-t',
      '1',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-c:a',
      'aac',
      '-shortest',
      files.clip,
    ]);
  }
  const image = (file: string, color: string, size: string): void => {
    if (!existsSync(file)) ffmpeg(['-f', 'lavfi', '-i', `color=c=${color}:size=${size}`, '-frames:v', '1', file]);
  };
  image(files.poster, 'navy', '200x300');
  image(files.posterAlt, 'darkred', '200x300');
  image(files.fanart, 'teal', '320x180');
  image(files.actor, 'gray', '100x150');
  return files;
}
