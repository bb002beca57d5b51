/**
 * The queue's typed event map: one entry per event, one object payload per event.
 * Events are the record of what happened (there is no history table), together with
 * the structured log lines.
 *
 * With the queue's `remoteEvents` option on (Redis), `job:completed`, `job:failed`,
 * `job:retrying` and `job:stalled` are also emitted for jobs other processes ran, with
 * `remote` set; events of this process's own jobs never carry it.
 */
import type { Job } from './types.js';

/**
 * Marks an event another process recorded (heard through the storage's event stream, see
 * `JobQueueOptions.remoteEvents`).
 */
export interface RemoteEventInfo {
  /** Identifies the storage instance (one per process and queue) that recorded the outcome. */
  origin: string;
  /**
   * The job's payload was too large to travel with the event (Redis:
   * `maxEventPayloadBytes`), so `job.payload` (and `payload` of `job:failed`) is null.
   */
  payloadOmitted: boolean;
}

/** Events emitted by `JobQueue` (`queue.on(name, listener)`). */
export interface QueueEvents {
  /** A job was stored (not emitted for a dedupe hit). */
  'job:added': (event: { job: Job }) => void;
  /** A worker claimed a job and is about to run its handler. */
  'job:started': (event: { job: Job; workerId: string }) => void;
  /** The handler reported progress with `ctx.progress(value)`. */
  'job:progress': (event: { job: Job; progress: unknown }) => void;
  /**
   * The handler resolved; the job's row is gone. On a `remote` event `result` is
   * `undefined` (results are not stored) and `durationMs` runs from the claim to the
   * recorded completion, on the clock of the process that ran the job (locally: the
   * handler's run time).
   */
  'job:completed': (event: { job: Job; result: unknown; durationMs: number; remote?: RemoteEventInfo }) => void;
  /**
   * An attempt failed and the job will run again at `nextRunAt` (epoch ms). On a `remote`
   * event `error` is rebuilt from the recorded message and stack (an `Error` named after
   * the original class).
   */
  'job:retrying': (event: { job: Job; error: Error; attempt: number; nextRunAt: number; remote?: RemoteEventInfo }) => void;
  /**
   * The job failed for good (no retries left, unrecoverable, or stalled too often). On a
   * `remote` event `error` is rebuilt as for `job:retrying`.
   */
  'job:failed': (event: { job: Job; error: Error; attempts: number; payload: unknown; remote?: RemoteEventInfo }) => void;
  /**
   * The handler threw a `RateLimitedError`: the job went back to pending, to run at
   * `nextRunAt`, without counting the attempt (`job.attempts` is the attempts counted).
   */
  'job:rate-limited': (event: { job: Job; error: Error; retryAfterMs: number; nextRunAt: number }) => void;
  /** A job's lease expired (its process died); it was sent back to pending or failed. */
  'job:stalled': (event: { job: Job; remote?: RemoteEventInfo }) => void;
  /** A job was cancelled: deleted while pending, or aborted while running. */
  'job:cancelled': (event: { job: Job }) => void;
  /**
   * After processing some jobs, this queue found no pending or delayed job of the types
   * it runs left, and runs none (jobs other processes are running may still be in
   * progress; jobs of other types are other queues' work). Jobs held by a pause or a
   * limit are still work: the queue is not drained while they wait.
   */
  'queue:drained': (event: Record<string, never>) => void;
  /**
   * `stop()` finished: the workers are stopped and the storage is closed (emitted for a
   * queue that only produced too). Helpers that watch the queue on a timer, such as
   * `QueueHistory`, stop with it instead of reopening the storage.
   */
  'queue:stopped': (event: Record<string, never>) => void;
  /**
   * This queue paused the whole queue (`type` null) or one job type (`queue.pause`), for
   * every process sharing the storage. Emitted by the queue whose call changed the
   * stored state only: other processes are not told (they simply stop claiming).
   */
  'queue:paused': (event: { type: string | null }) => void;
  /** This queue resumed the whole queue (`type` null) or one job type (`queue.resume`); as `queue:paused`. */
  'queue:resumed': (event: { type: string | null }) => void;
  /** A worker or maintenance loop met an error outside any handler (storage down, ...). */
  'worker:error': (event: { error: Error; workerId: string | null }) => void;
}

/** Name of a queue event. */
export type QueueEventName = keyof QueueEvents;
