/**
 * The part of `stats()` every backend shares: from per-type counts, the pause state and
 * the live worker announcements, the totals and the flags of {@link QueueStats}.
 */
import type { QueueStats, TypeStats } from '../types.js';
import type { PauseState } from './types.js';

/** The four counts of one type, as a backend reads them. */
export type StateCounts = Pick<TypeStats, 'pending' | 'delayed' | 'processing' | 'failed'>;

/** An empty {@link StateCounts}, for a backend to fill. */
export function emptyCounts(): StateCounts {
  return { pending: 0, delayed: 0, processing: 0, failed: 0 };
}

/**
 * Builds the stats. `workers` are the live announcements' type lists (one per started
 * queue); a type none of them holds has `workers: 0`, and its pending and delayed jobs
 * count in `withoutWorker`.
 */
export function buildStats(
  counts: ReadonlyMap<string, StateCounts>,
  pause: PauseState,
  workers: readonly (readonly string[])[],
): QueueStats {
  const runners = new Map<string, number>();
  for (const types of workers) for (const t of new Set(types)) runners.set(t, (runners.get(t) ?? 0) + 1);
  const pausedTypes = new Set(pause.types);
  const stats: QueueStats = {
    pending: 0,
    delayed: 0,
    processing: 0,
    failed: 0,
    paused: pause.queue,
    pausedTypes: [...pause.types].sort(),
    workers: workers.length,
    withoutWorker: 0,
    byType: {},
  };
  for (const [type, c] of counts) {
    if (c.pending + c.delayed + c.processing + c.failed === 0) continue;
    const n = runners.get(type) ?? 0;
    stats.byType[type] = { ...c, paused: pause.queue || pausedTypes.has(type), workers: n };
    stats.pending += c.pending;
    stats.delayed += c.delayed;
    stats.processing += c.processing;
    stats.failed += c.failed;
    if (n === 0) stats.withoutWorker += c.pending + c.delayed;
  }
  return stats;
}
