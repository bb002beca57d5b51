/**
 * Queue depth as rows of (state, type, count), read from the storage's counts: the same
 * for every process sharing the storage, so any of them can report it.
 */
import type { QueueStats } from '../types.js';

/** The states `getStats()` counts, in the order they are reported. */
export const QUEUE_DEPTH_STATES = ['pending', 'delayed', 'processing', 'failed'] as const;

/** One of {@link QUEUE_DEPTH_STATES}. */
export type QueueDepthState = (typeof QUEUE_DEPTH_STATES)[number];

/** Stored jobs of one type in one state. */
export interface QueueDepthRow {
  state: QueueDepthState;
  type: string;
  count: number;
}

/** What {@link queueDepthReader} reads: a `JobQueue`. */
export interface QueueDepthSource {
  getStats(): Promise<QueueStats>;
  /** The registered job types are reported (at 0) before their first job. */
  readonly registry: { types(): string[] };
}

/**
 * Returns a function that reads the queue's depth now: one row per state and job type,
 * sorted by type. Every type registered, or seen in an earlier read, is reported, at 0
 * when it has no stored job: a type whose jobs all finished reads 0 instead of vanishing
 * (a vanished series looks like a gap, and an alert on it never resolves).
 *
 * @example
 * ```ts
 * const readDepth = queueDepthReader(queue);
 * await readDepth();
 * // [{ state: 'pending', type: 'send-email', count: 3 }, { state: 'delayed', type: 'send-email', count: 0 }, ...]
 * ```
 */
export function queueDepthReader(queue: QueueDepthSource): () => Promise<QueueDepthRow[]> {
  const seen = new Set<string>();
  return async () => {
    const stats = await queue.getStats();
    for (const type of queue.registry.types()) seen.add(type);
    for (const type of Object.keys(stats.byType)) seen.add(type);
    const rows: QueueDepthRow[] = [];
    for (const type of [...seen].sort()) {
      const counts = stats.byType[type];
      for (const state of QUEUE_DEPTH_STATES) rows.push({ state, type, count: counts?.[state] ?? 0 });
    }
    return rows;
  };
}
