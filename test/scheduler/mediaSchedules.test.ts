/**
 * The three built-in media schedules on a real fixture library: the pipeline publishes
 * three movies (fake TMDB and fake players on 127.0.0.1, one SQLite file), then the
 * library is damaged or aged by hand and each maintenance job is run through a schedule
 * ("run now") and its effect checked on disk and in the tables.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScheduledCleanupResult } from '../../src/media/handlers/scheduledCleanup.js';
import type { ScheduledProviderUpdateResult } from '../../src/media/handlers/scheduledProviderUpdate.js';
import { nfoProblem, type ScheduledVerificationResult } from '../../src/media/handlers/scheduledVerification.js';
import { createScheduler } from '../../src/scheduler/attach.js';
import type { Scheduler } from '../../src/scheduler/Scheduler.js';
import { JOB_PRIORITY } from '../../src/types.js';
import { startPipeline, type Pipeline } from '../media/pipeline/harness.js';

let p: Pipeline;
let scheduler: Scheduler;
const DAY = 86_400_000;

beforeEach(async () => {
  p = await startPipeline();
  await p.queue.addJob({ type: 'scan-movie', payload: { libraryPath: p.library, manual: true }, manual: true });
  await p.until(() => p.done('publish').length === 3);
  await p.idle();
  expect(p.failed).toEqual([]);
  scheduler = createScheduler(p.queue);
  await scheduler.schedule('nightly-cleanup', { cron: '0 4 * * *' }, { type: 'scheduled-cleanup', payload: {} });
  await scheduler.schedule(
    'metadata-refresh',
    { cron: '0 5 * * 0' },
    { type: 'scheduled-provider-update', payload: { olderThanDays: 30, limit: 10 } },
  );
  await scheduler.schedule('verify', { cron: '30 4 * * *' }, { type: 'scheduled-verification', payload: {} });
});
afterEach(async () => {
  await scheduler.stop();
  await p.close();
});

async function runNow<R>(name: string, type: string): Promise<R> {
  const before = p.done(type).length;
  await scheduler.runScheduleNow(name);
  await p.until(() => p.done(type).length > before);
  await p.idle();
  return p.done(type)[before]!.result as R;
}

function movieFiles() {
  return p.media.movies.list().map((m) => ({
    id: m.id,
    video: m.videoFile,
    nfo: m.videoFile.replace(/\.[^.]+$/, '.nfo'),
    poster: m.videoFile.replace(/\.[^.]+$/, '-poster.jpg'),
  }));
}

describe('scheduled-verification', () => {
  it('finds a missing NFO, a broken NFO and a missing poster, and publishes those movies again', async () => {
    const [a, b, c] = movieFiles();
    unlinkSync(a!.nfo);
    writeFileSync(b!.nfo, readFileSync(b!.nfo, 'utf8').slice(0, 120)); // truncated mid-way
    unlinkSync(c!.poster);
    expect(nfoProblem(readFileSync(b!.nfo, 'utf8'))).not.toBeNull();
    const publishesBefore = p.done('publish').length;

    const result = await runNow<ScheduledVerificationResult>('verify', 'scheduled-verification');
    expect(result.checked).toBe(3);
    expect(result.republish).toEqual([
      { movieId: a!.id, problems: ['nfo missing'] },
      { movieId: b!.id, problems: [expect.stringMatching(/^nfo invalid: /)] },
      { movieId: c!.id, problems: ['poster missing'] },
    ]);
    await p.until(() => p.done('publish').length === publishesBefore + 3);
    await p.idle();
    expect(existsSync(a!.nfo)).toBe(true);
    expect(nfoProblem(readFileSync(b!.nfo, 'utf8'))).toBeNull();
    expect(existsSync(c!.poster)).toBe(true);

    // Everything is back: a second run finds nothing to do.
    const clean = await runNow<ScheduledVerificationResult>('verify', 'scheduled-verification');
    expect(clean.republish).toEqual([]);
  });
});

describe('scheduled-provider-update', () => {
  it('re-enriches only the movies whose metadata is older than the limit, at LOW priority', async () => {
    const [a, b] = movieFiles();
    const old = Date.now() - 40 * DAY;
    p.media.database.prepare('UPDATE movies SET enriched_at = ? WHERE id IN (?, ?)').run(old, a!.id, b!.id);
    const enrichBefore = p.done('enrich-metadata').length;

    const result = await runNow<ScheduledProviderUpdateResult>('metadata-refresh', 'scheduled-provider-update');
    expect(result).toMatchObject({ stale: 2, batches: 1 });
    await p.until(() => p.done('enrich-metadata').length === enrichBefore + 2);
    await p.idle();
    const refreshed = p
      .done('enrich-metadata')
      .slice(enrichBefore)
      .map((o) => o.job);
    expect(refreshed.map((j) => (j.payload as { entityId: number }).entityId).sort()).toEqual([a!.id, b!.id].sort());
    expect(refreshed.every((j) => j.priority === JOB_PRIORITY.LOW)).toBe(true);
    for (const m of [a!, b!]) expect(p.media.movies.get(m.id)!.enrichedAt!).toBeGreaterThan(old + DAY);
  });
});

describe('scheduled-cleanup', () => {
  it('removes movies whose file is gone with their files, orphaned side files, stale temp files and old unselected candidates', async () => {
    const [gone, kept] = movieFiles();
    unlinkSync(gone!.video);
    // Left behind by a movie deleted earlier: an NFO set without its video.
    const oldDir = path.join(p.library, 'Old Movie (2000)');
    mkdirSync(path.join(oldDir, '.actors'), { recursive: true });
    writeFileSync(path.join(oldDir, 'Old.Movie.nfo'), '<?xml version="1.0" encoding="UTF-8"?>\n<movie><title>Old Movie</title></movie>\n');
    writeFileSync(path.join(oldDir, 'Old.Movie-poster.jpg'), 'jpeg');
    writeFileSync(path.join(oldDir, '.actors', 'Some_One.jpg'), 'jpeg');
    // The user's own picture: not one of ours, must stay.
    writeFileSync(path.join(oldDir, 'Holiday-poster.jpg'), 'jpeg');
    // An interrupted atomic write, hours old, and a fresh one (maybe still being written).
    const keptDir = path.dirname(kept!.video);
    const staleTemp = path.join(keptDir, '.Movie.nfo.4242.0123456789ab.tmp');
    const freshTemp = path.join(keptDir, '.Movie.nfo.4243.0123456789ac.tmp');
    writeFileSync(staleTemp, 'partial');
    writeFileSync(freshTemp, 'partial');
    const hoursAgo = (Date.now() - 3 * 3_600_000) / 1000;
    utimesSync(staleTemp, hoursAgo, hoursAgo);
    // Candidates nobody picked, from 40 days ago; selected ones stay whatever their age.
    const db = p.media.database;
    db.prepare('UPDATE movie_assets SET created_at = ? WHERE movie_id = ?').run(Date.now() - 40 * DAY, kept!.id);
    const unselected = (
      db.prepare('SELECT COUNT(*) AS n FROM movie_assets WHERE movie_id = ? AND selected = 0').get(kept!.id) as { n: number }
    ).n;
    const selected = (
      db.prepare('SELECT COUNT(*) AS n FROM movie_assets WHERE movie_id = ? AND selected = 1').get(kept!.id) as { n: number }
    ).n;
    expect(unselected).toBeGreaterThan(0);

    const result = await runNow<ScheduledCleanupResult>('nightly-cleanup', 'scheduled-cleanup');
    expect(result.removedMovies).toEqual([gone!.id]);
    expect(p.media.movies.get(gone!.id)).toBeUndefined();
    expect(existsSync(gone!.nfo)).toBe(false);
    expect(existsSync(gone!.poster)).toBe(false);
    expect(existsSync(path.join(oldDir, 'Old.Movie.nfo'))).toBe(false);
    expect(existsSync(path.join(oldDir, 'Old.Movie-poster.jpg'))).toBe(false);
    expect(existsSync(path.join(oldDir, '.actors'))).toBe(false);
    expect(existsSync(path.join(oldDir, 'Holiday-poster.jpg'))).toBe(true);
    expect(existsSync(staleTemp)).toBe(false);
    expect(existsSync(freshTemp)).toBe(true);
    expect(existsSync(kept!.nfo) && existsSync(kept!.poster)).toBe(true);
    expect(result.deletedCandidates).toBe(unselected);
    const left = db.prepare('SELECT selected FROM movie_assets WHERE movie_id = ?').all(kept!.id) as { selected: number }[];
    expect(left).toHaveLength(selected);
    expect(left.every((r) => r.selected === 1)).toBe(true);
    expect(result.deletedFiles.every((f) => !f.startsWith('..'))).toBe(true);
    rmSync(freshTemp);
  });
});

describe('the schedules themselves', () => {
  it('are listed with their next run times', async () => {
    const list = await scheduler.listSchedules();
    expect(list.map((s) => [s.name, s.job.type])).toEqual([
      ['metadata-refresh', 'scheduled-provider-update'],
      ['nightly-cleanup', 'scheduled-cleanup'],
      ['verify', 'scheduled-verification'],
    ]);
    for (const s of list) expect(s.nextRunAt!).toBeGreaterThan(Date.now());
  });
});
