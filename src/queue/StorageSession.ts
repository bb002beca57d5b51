/**
 * StorageSession: a queue's use of its storage between opening and closing. The storage
 * is opened once, by the first call that needs it (`start()`, a producer's `addJob`, a
 * read), however many calls race for it, and a failed opening is tried again by the next
 * call. With remote events, the session also hears the job outcomes other processes
 * record from the moment it is open, so that every outcome recorded afterwards reaches
 * the queue's listeners.
 */
import type { EventEmitter } from 'eventemitter3';
import type { Logger } from 'pino';
import type { QueueEvents } from '../events.js';
import type { IJobQueueStorage } from '../storage/types.js';
import { listenToRemoteEvents } from './remoteEvents.js';

/** Where remote outcomes go (the queue's option `remoteEvents`). */
export interface RemoteEventsTarget {
  /** The queue, which re-emits them as its own events, marked `remote`. */
  readonly events: EventEmitter<QueueEvents>;
  /** Reports an error of the storage's reading loop. */
  reportError(error: unknown): void;
  readonly logger: Logger;
}

/** A queue's open storage, opened once and closed once. */
export class StorageSession {
  readonly #storage: IJobQueueStorage;
  readonly #remote: RemoteEventsTarget | null;
  #ready: Promise<void> | null = null;
  #stopRemote: (() => Promise<void>) | null = null;

  /** `remote`: where other processes' outcomes go, or null not to hear them. */
  constructor(storage: IJobQueueStorage, remote: RemoteEventsTarget | null) {
    this.#storage = storage;
    this.#remote = remote;
  }

  /** Whether a call opened the storage (or is opening it) since it was last closed. */
  get opened(): boolean {
    return this.#ready !== null;
  }

  /** Opens the storage unless it is open; concurrent callers share one attempt. */
  ready(): Promise<void> {
    this.#ready ??= this.#open().catch((error: unknown) => {
      this.#ready = null;
      throw error;
    });
    return this.#ready;
  }

  /** Stops hearing other processes and closes the storage; the next `ready()` opens it again. */
  async close(): Promise<void> {
    this.#ready = null;
    const stop = this.#stopRemote;
    this.#stopRemote = null;
    await stop?.();
    await this.#storage.close();
  }

  async #open(): Promise<void> {
    const storage = this.#storage;
    await storage.init();
    const subscribe = storage.events?.bind(storage);
    const remote = this.#remote;
    if (!remote || !subscribe || this.#stopRemote) return;
    try {
      this.#stopRemote = await listenToRemoteEvents(subscribe, remote.events, (error) => remote.reportError(error), remote.logger);
    } catch (error) {
      // The caller's promise rejects and stop() will find nothing open: close what init
      // opened, so that no connection keeps the process alive.
      await storage.close();
      throw error;
    }
  }
}
