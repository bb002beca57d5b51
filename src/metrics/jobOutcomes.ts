/**
 * The one contract between the queue's events and anything that counts them (the
 * Prometheus metrics of `phaseq/express`, the per-minute {@link QueueHistory}): an
 * observer is told, in seconds and per job type, what happened to the jobs **this
 * process** handled.
 *
 * Events marked `remote` (Redis with `remoteEvents`: outcomes another process recorded)
 * are left out. Each process reports what it did, as Prometheus expects of every target:
 * summing over the processes gives the totals, and a process that also counted the
 * others' outcomes would count each of them twice.
 */
import type { EventEmitter } from 'eventemitter3';
import type { QueueEvents } from '../events.js';

/**
 * Receives the outcomes of the jobs this process handled. Every method is optional.
 *
 * @example
 * ```ts
 * const stop = observeJobOutcomes(queue, {
 *   completed: (type, seconds) => console.log(`${type} took ${seconds} s`),
 *   failed: (type) => console.log(`${type} failed for good`),
 * });
 * ```
 */
export interface JobOutcomeObserver {
  /**
   * A worker of this process started an attempt. `waitSeconds` runs from the job's run
   * time (when it became ready: added, its delay over, or its backoff over) to the start;
   * 0 when the producer's clock was ahead of this one.
   */
  started?(type: string, waitSeconds: number): void;
  /** A job ran to completion here; `durationSeconds` is its handler's run time. */
  completed?(type: string, durationSeconds: number): void;
  /** An attempt failed here and the job will run again (`job:retrying`). */
  retried?(type: string): void;
  /**
   * A job failed for good: its last attempt failed here, or this process found it
   * stalled too often (each stalled job is recovered by exactly one process).
   */
  failed?(type: string): void;
  /**
   * This process found the job's lease expired (the process running it died): it went
   * back to pending, or failed for good (then `failed` follows).
   */
  stalled?(type: string): void;
}

/** What {@link observeJobOutcomes} listens to: a `JobQueue`, or anything with its events. */
export type JobEventSource = Pick<EventEmitter<QueueEvents>, 'on' | 'off'>;

/**
 * Calls `observer` for every job outcome of this process on `queue`; returns the function
 * that stops it.
 */
export function observeJobOutcomes(queue: JobEventSource, observer: JobOutcomeObserver): () => void {
  const onStarted: QueueEvents['job:started'] = ({ job }) => {
    observer.started?.(job.type, Math.max(0, Date.now() - job.runAt) / 1000);
  };
  const onCompleted: QueueEvents['job:completed'] = ({ job, durationMs, remote }) => {
    if (!remote) observer.completed?.(job.type, durationMs / 1000);
  };
  const onRetrying: QueueEvents['job:retrying'] = ({ job, remote }) => {
    if (!remote) observer.retried?.(job.type);
  };
  const onFailed: QueueEvents['job:failed'] = ({ job, remote }) => {
    if (!remote) observer.failed?.(job.type);
  };
  const onStalled: QueueEvents['job:stalled'] = ({ job, remote }) => {
    if (!remote) observer.stalled?.(job.type);
  };
  // Only the events the observer wants: the runner skips building an event nobody hears.
  if (observer.started) queue.on('job:started', onStarted);
  if (observer.completed) queue.on('job:completed', onCompleted);
  if (observer.retried) queue.on('job:retrying', onRetrying);
  if (observer.failed) queue.on('job:failed', onFailed);
  if (observer.stalled) queue.on('job:stalled', onStalled);
  return () => {
    queue.off('job:started', onStarted);
    queue.off('job:completed', onCompleted);
    queue.off('job:retrying', onRetrying);
    queue.off('job:failed', onFailed);
    queue.off('job:stalled', onStalled);
  };
}
