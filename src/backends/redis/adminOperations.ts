/**
 * The Redis storage's admin operations: a job by id, the list, the stats and the next run
 * time; cancel and retry; pauses; worker announcements; and imports from another backend.
 * They are what dashboards, the CLI, `getStats()` and migrate-storage call, as opposed to
 * the workers' lease lifecycle (add, claim, complete, fail, …) in storage.ts. Each is one
 * script or one read on the storage's {@link RedisJobConnection}.
 */
import { dedupeRetryError, listWindow } from '../../storage/policy.js';
import type { Job, QueueStats } from '../../types.js';
import { CANCEL_SCRIPT, LIST_SCRIPT, NEXT_RUN_AT_SCRIPT, PAUSE_SCRIPT, RETRY_SCRIPT, STATS_SCRIPT, WORKER_SCRIPT } from './adminScripts.js';
import { buildStats, type StateCounts } from '../../storage/stats.js';
import { hashToJob, isRedisJobId } from './hashToJob.js';
import { IMPORT_SCRIPT, importArgs, parseImportReply } from './importScript.js';
import { replyArray, type RedisJobConnection } from './jobConnection.js';
import { RedisScript } from './RedisScript.js';
import type { CancelOutcome, ImportedJob, ImportResult, JobListQuery, PauseState, WorkerAnnouncement } from '../../storage/types.js';

const scripts = {
  cancel: new RedisScript(CANCEL_SCRIPT),
  retry: new RedisScript(RETRY_SCRIPT),
  list: new RedisScript(LIST_SCRIPT),
  stats: new RedisScript(STATS_SCRIPT),
  nextRunAt: new RedisScript(NEXT_RUN_AT_SCRIPT),
  import: new RedisScript(IMPORT_SCRIPT),
  pause: new RedisScript(PAUSE_SCRIPT),
  worker: new RedisScript(WORKER_SCRIPT),
};

/** The members of the `paused` set as a {@link PauseState} ('' is the whole queue). */
function toPauseState(members: readonly unknown[]): PauseState {
  const all = members.map(String);
  return { queue: all.includes(''), types: all.filter((t) => t !== '').sort() };
}

/** The job stored under `id`, or null. */
export async function getJob(conn: RedisJobConnection, id: string): Promise<Job | null> {
  if (!isRedisJobId(id)) return null;
  const flat = await conn.command('get', 'HGETALL', `job:${id}`);
  return replyArray(flat, 'get').length === 0 ? null : hashToJob(flat);
}

/** Deletes a pending or failed job; flags a running one for its worker to abort. */
export async function cancelJob(conn: RedisJobConnection, id: string): Promise<CancelOutcome> {
  if (!isRedisJobId(id)) return { outcome: 'not_found', job: null };
  const [outcome, hash] = replyArray(await conn.run('cancel', scripts.cancel, [id]), 'cancel');
  if (outcome === 'deleted') return { outcome: 'deleted', job: hashToJob(hash) };
  if (outcome === 'requested') return { outcome: 'requested', job: hashToJob(hash) };
  return { outcome: 'not_found', job: null };
}

/**
 * Puts a retained `failed` job back to pending with fresh attempts; null when not failed.
 * @throws ValidationError when a live job already holds its dedupe key.
 */
export async function retryJob(conn: RedisJobConnection, id: string, now: number): Promise<Job | null> {
  if (!isRedisJobId(id)) return null;
  const reply = await conn.run('retry', scripts.retry, [id, now]);
  if (reply === 'DEDUPE') {
    throw dedupeRetryError(id);
  }
  return reply === null ? null : hashToJob(reply);
}

/** One page of jobs in claim order. */
export async function listJobs(conn: RedisJobConnection, query: JobListQuery, now: number): Promise<Job[]> {
  const { limit, offset } = listWindow(query);
  const state = query.state ?? 'all';
  const args = [now, state, query.type ?? '', limit, offset];
  // The script returns the page in claim order, already sliced.
  return replyArray(await conn.run('list', scripts.list, args), 'list').map(hashToJob);
}

/** Counts per type and state, the pauses and the live workers' types. */
export async function readStats(conn: RedisJobConnection, now: number): Promise<QueueStats> {
  const [perType, paused, workers] = replyArray(await conn.run('stats', scripts.stats, [now]), 'stats');
  const counts = new Map<string, StateCounts>();
  const pt = replyArray(perType, 'stats');
  for (let i = 0; i + 4 < pt.length; i += 5) {
    counts.set(String(pt[i]), {
      pending: Number(pt[i + 1]),
      delayed: Number(pt[i + 2]),
      processing: Number(pt[i + 3]),
      failed: Number(pt[i + 4]),
    });
  }
  const live = replyArray(workers, 'stats').map((types) => JSON.parse(String(types)) as string[]);
  return buildStats(counts, toPauseState(replyArray(paused, 'stats')), live);
}

/** The earliest run time among pending jobs (of `types` only, when given), or null. */
export async function nextRunAt(conn: RedisJobConnection, types?: readonly string[]): Promise<number | null> {
  if (types && types.length === 0) return null;
  const reply = await conn.run('nextRunAt', scripts.nextRunAt, types ?? []);
  return reply === null ? null : Number(reply);
}

/** Pauses one type (or the whole queue, `null`); false when it was already paused. */
export async function pause(conn: RedisJobConnection, type: string | null, now: number): Promise<boolean> {
  return (await conn.run('pause', scripts.pause, ['pause', type ?? '', now])) === 1;
}

/** Resumes one type (or the whole queue, `null`); false when it was not paused. */
export async function resume(conn: RedisJobConnection, type: string | null): Promise<boolean> {
  return (await conn.run('resume', scripts.pause, ['resume', type ?? ''])) === 1;
}

/** What is paused. */
export async function pauseState(conn: RedisJobConnection): Promise<PauseState> {
  const members = await conn.command('pauseState', 'SMEMBERS', 'paused');
  return toPauseState(replyArray(members, 'pauseState'));
}

/** Records or renews a started queue's announcement (the script forgets expired ones). */
export async function announceWorker(conn: RedisJobConnection, worker: WorkerAnnouncement, now: number): Promise<void> {
  await conn.run('announceWorker', scripts.worker, ['announce', worker.id, worker.expiresAt, JSON.stringify(worker.types), now]);
}

/** Removes a stopped queue's announcement. */
export async function retireWorker(conn: RedisJobConnection, id: string): Promise<void> {
  await conn.run('retireWorker', scripts.worker, ['retire', id]);
}

/** See `BullMQJobQueueStorage.importJobs`. */
export async function importJobs(conn: RedisJobConnection, jobs: readonly ImportedJob[]): Promise<ImportResult[]> {
  if (jobs.length === 0) return [];
  return parseImportReply(replyArray(await conn.run('importJobs', scripts.import, importArgs(jobs)), 'importJobs'));
}
