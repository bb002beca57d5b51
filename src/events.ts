/**
 * The queue's typed event map: one entry per event, one object payload per event.
 * Events are the record of what happened (there is no history table), together with
 * the structured log lines.
 */
import type { Job } from './types.js';

/** Events emitted by `JobQueue` (`queue.on(name, listener)`). */
export interface QueueEvents {
  /** A job was stored (not emitted for a dedupe hit). */
  'job:added': (event: { job: Job }) => void;
  /** A worker claimed a job and is about to run its handler. */
  'job:started': (event: { job: Job; workerId: string }) => void;
  /** The handler reported progress with `ctx.progress(value)`. */
  'job:progress': (event: { job: Job; progress: unknown }) => void;
  /** The handler resolved; the job's row is gone. */
  'job:completed': (event: { job: Job; result: unknown; durationMs: number }) => void;
  /** An attempt failed and the job will run again at `nextRunAt` (epoch ms). */
  'job:retrying': (event: { job: Job; error: Error; attempt: number; nextRunAt: number }) => void;
  /** The job failed for good (no retries left, unrecoverable, or stalled too often). */
  'job:failed': (event: { job: Job; error: Error; attempts: number; payload: unknown }) => void;
  /** A job's lease expired (its process died); it was sent back to pending or failed. */
  'job:stalled': (event: { job: Job }) => void;
  /** A job was cancelled: deleted while pending, or aborted while running. */
  'job:cancelled': (event: { job: Job }) => void;
  /**
   * After processing some jobs, this queue found no pending or delayed job left and runs
   * none (jobs other processes are running may still be in progress).
   */
  'queue:drained': (event: Record<string, never>) => void;
  /** A worker or maintenance loop met an error outside any handler (storage down, ...). */
  'worker:error': (event: { error: Error; workerId: string | null }) => void;
}

/** Name of a queue event. */
export type QueueEventName = keyof QueueEvents;
