/**
 * LeaseKeeper: the upkeep of leases. The heartbeat renews the leases of the jobs this
 * queue runs (and learns which were lost or cancelled elsewhere); the stall sweep sends
 * jobs whose lease expired — their process died — back to pending, or fails them.
 */
import type { EventEmitter } from 'eventemitter3';
import type { Logger } from 'pino';
import { JobCancelledError, QueueStateError } from '../errors.js';
import type { QueueEvents } from '../events.js';
import type { IJobQueueStorage } from '../storage/types.js';
import type { JobRunner } from './JobRunner.js';

/** What the keeper needs from its queue; the runner and owner exist only while started. */
export interface LeaseKeeperHost {
  readonly storage: IJobQueueStorage;
  readonly events: EventEmitter<QueueEvents>;
  readonly logger: Logger;
  readonly leaseMs: number;
  readonly maxStalls: number;
  readonly retainFailed: boolean;
  runner(): JobRunner | null;
  ownerId(): string;
  /** Wakes up to `n` idle workers (recovered jobs are ready at once). */
  wakeIdle(n: number): void;
}

/** Heartbeat and stall sweep of one queue. */
export class LeaseKeeper {
  readonly #host: LeaseKeeperHost;

  constructor(host: LeaseKeeperHost) {
    this.#host = host;
  }

  /** Renews every running job's lease in one call; aborts the lost and the cancelled. */
  async heartbeat(): Promise<void> {
    const host = this.#host;
    const runner = host.runner();
    if (!runner || runner.running.size === 0) return;
    const refs = [...runner.running.keys()].map((id) => ({ id, workerId: host.ownerId() }));
    const report = await host.storage.extendLeases(refs, Date.now(), host.leaseMs);
    for (const id of report.lost) {
      runner.abort(id, 'lease-lost', new QueueStateError(`Lease of job ${id} was lost (recovered elsewhere)`));
    }
    for (const id of report.cancelRequested) runner.abort(id, 'cancel', new JobCancelledError());
  }

  /** Recovers or fails jobs whose lease expired, with one event and log line each. */
  async recoverStalled(): Promise<void> {
    const host = this.#host;
    const report = await host.storage.recoverStalled({
      now: Date.now(),
      maxStalls: host.maxStalls,
      retain: host.retainFailed,
    });
    for (const job of report.recovered) {
      host.logger.warn({ jobId: job.id, type: job.type, stalls: job.stalls }, 'stalled job recovered');
      host.events.emit('job:stalled', { job });
    }
    for (const job of report.failed) {
      const error = new Error(job.lastError ?? 'stalled');
      host.logger.error({ jobId: job.id, type: job.type, payload: job.payload, attempts: job.attempts, err: error }, 'job failed');
      host.events.emit('job:stalled', { job });
      host.events.emit('job:failed', { job: { ...job, state: 'failed' }, error, attempts: job.attempts, payload: job.payload });
    }
    if (report.recovered.length > 0) host.wakeIdle(report.recovered.length);
  }
}
