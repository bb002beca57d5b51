/**
 * The `scheduled-verification` job: checks that every published movie still has what
 * publish wrote — its NFO (present, well-formed XML with a `<movie>` root) and, as the
 * `publish` settings say, its selected artwork and trailer — and enqueues `publish` for
 * each movie that lost something. Movies whose video file is gone are left to
 * `scheduled-cleanup`.
 *
 * The NFO check is a well-formedness check (balanced tags, quoted attributes, known
 * entities, one root): enough to catch a truncated or hand-broken file, which is what
 * would make Kodi ignore it.
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { JOB_PRIORITY, type Job, type JobInput, type JobContext } from '../../index.js';
import { artworkPathFor, nfoPathsFor } from '../nfo.js';
import type { ScheduledVerificationPayload } from '../schemas.js';
import type { MediaServices } from './deps.js';
import { maintenanceRoots } from './scheduledCleanup.js';

/** One movie that needs publishing again, and why. */
export interface VerificationProblem {
  movieId: number;
  /** e.g. `nfo missing`, `nfo invalid: ...`, `poster missing` */
  problems: string[];
}

/** What a `scheduled-verification` job reports. */
export interface ScheduledVerificationResult {
  /** Published movies checked. */
  checked: number;
  /** Published movies whose video file is gone (skipped). */
  skipped: number;
  republish: VerificationProblem[];
  /** Ids of the `publish` jobs enqueued (existing ids for movies already waiting). */
  jobIds: string[];
}

const TOKEN_RE =
  /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|[^<]+|</g;
const BAD_ENTITY_RE = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

/**
 * Why an NFO is not a well-formed movie NFO, or null when it is.
 *
 * @example
 * ```ts
 * nfoProblem('<movie><title>Heat</title></movie>'); // null
 * nfoProblem('<movie><title>Heat</movie>'); // 'closing </movie> does not match <title>'
 * ```
 */
export function nfoProblem(xml: string): string | null {
  const stack: string[] = [];
  let root: string | null = null;
  for (const match of xml.matchAll(TOKEN_RE)) {
    const [token, closing, name, , selfClosing] = match;
    if (token === '<') return 'a "<" that starts no tag';
    if (name === undefined) {
      if (token.startsWith('<')) continue; // comment, CDATA, declaration, doctype
      if (BAD_ENTITY_RE.test(token)) return 'an "&" that starts no entity';
      if (stack.length === 0 && token.trim() !== '') return 'text outside the root element';
      continue;
    }
    if (closing) {
      const open = stack.pop();
      if (open !== name)
        return open === undefined ? `closing </${name}> without an opening tag` : `closing </${name}> does not match <${open}>`;
      continue;
    }
    if (stack.length === 0) {
      if (root !== null) return 'more than one root element';
      root = name;
    }
    if (!selfClosing) stack.push(name);
  }
  if (root === null) return 'no root element';
  if (stack.length > 0) return `<${stack[stack.length - 1]}> is never closed`;
  if (root !== 'movie') return `root element is <${root}>, not <movie>`;
  return null;
}

async function present(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Builds the `scheduled-verification` handler.
 *
 * @example
 * ```ts
 * await scheduler.schedule('verify', { cron: '30 4 * * *' }, { type: 'scheduled-verification', payload: {} });
 * ```
 */
export function createScheduledVerificationHandler(services: MediaServices) {
  return async function scheduledVerification(
    job: Job<'scheduled-verification', ScheduledVerificationPayload>,
    ctx: JobContext,
  ): Promise<ScheduledVerificationResult> {
    const roots = maintenanceRoots(services, job.payload.libraryPath);
    const config = await ctx.phases.getConfig('publish');
    const result: ScheduledVerificationResult = { checked: 0, skipped: 0, republish: [], jobIds: [] };
    for (const movie of services.movies.list()) {
      ctx.signal.throwIfAborted();
      if (movie.publishedAt === null || !roots.includes(path.resolve(movie.libraryPath))) continue;
      if (!(await present(movie.videoFile))) {
        result.skipped += 1;
        continue;
      }
      result.checked += 1;
      const problems: string[] = [];
      const nfo = nfoPathsFor(movie.videoFile)[0]!;
      try {
        const problem = nfoProblem(await readFile(nfo, 'utf8'));
        if (problem) problems.push(`nfo invalid: ${problem}`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        problems.push('nfo missing');
      }
      for (const asset of services.movies.selectedAssets(movie.id)) {
        const wanted = asset.kind === 'trailer' ? config.trailers && asset.ext !== undefined : config.assets;
        if (wanted && !(await present(artworkPathFor(movie.videoFile, asset.kind, asset.ext)))) problems.push(`${asset.kind} missing`);
      }
      if (problems.length > 0) result.republish.push({ movieId: movie.id, problems });
    }
    const inputs: JobInput<'publish'>[] = result.republish.map(({ movieId }) => ({
      type: 'publish',
      payload: { entityType: 'movie', entityId: movieId, libraryPath: path.resolve(services.movies.require(movieId).libraryPath) },
      priority: JOB_PRIORITY.NORMAL,
      // The key the enrich phase uses: a publish already waiting covers this one.
      dedupeKey: `publish:movie:${movieId}`,
    }));
    if (inputs.length > 0) result.jobIds = await ctx.queue.addJobs(inputs);
    ctx.logger.info(
      { checked: result.checked, skipped: result.skipped, republish: result.republish },
      result.republish.length > 0 ? 'verification: movies to publish again' : 'verification: every published movie is complete',
    );
    return result;
  };
}
