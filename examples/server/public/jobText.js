// How the page names a job and its state, the same in every panel.
import { el } from './dom.js';

const STATE_LABELS = { pending: 'Pending', delayed: 'Delayed', processing: 'Running', failed: 'Failed' };

/** The states of stored jobs, as `getStats()` counts them and `GET /api/jobs?state=` filters. */
export const STATES = Object.keys(STATE_LABELS);

/** `Pending`, `Delayed`, `Running`, `Failed`. */
export function stateLabel(state) {
  return STATE_LABELS[state] ?? state;
}

/**
 * A job's state by the library's one definition (that of `getStats()`): a pending job whose
 * run time is still ahead is delayed. With a state filter, the server has already decided.
 */
export function stateOf(job, filter = '', now = Date.now()) {
  if (filter) return filter;
  if (job.state === 'pending' && job.runAt > now) return 'delayed';
  return job.state;
}

/** The state as a small coloured label. */
export function stateBadge(state) {
  return el('span', { class: `badge badge-${state}`, text: stateLabel(state) });
}

/** `0 of 4`: attempts started, of those allowed (the first run and its retries). */
export function attemptsText(job) {
  return `${job.attempts} of ${job.maxRetries + 1}`;
}

/** A short text saying what a job works on (a path, an entity) for the lists. */
export function subject(job) {
  const p = job.payload ?? {};
  const path = p.moviePath ?? p.libraryPath;
  if (p.entityId !== undefined) return `${p.entityType ?? 'item'} #${p.entityId}`;
  if (typeof p.player === 'string') return `player ${p.player}`;
  if (typeof path === 'string') return path.split('/').filter(Boolean).slice(-1)[0] ?? path;
  return '';
}
