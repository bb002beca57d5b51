/**
 * TickBatcher: collects requests made during one turn of the event loop and serves them
 * with one call. Idle workers asking for a job in the same turn become one claim
 * statement for N jobs; completions recorded in the same turn become one transaction.
 * `setImmediate` (not a microtask) is the boundary on purpose: it lets every handler that
 * finishes in this turn join the batch before it is flushed.
 */

/** Serves a batch of requests; must return one result per request, in order. */
export type BatchFn<Req, Res> = (requests: Req[]) => Promise<Res[]>;

interface Pending<Req, Res> {
  request: Req;
  resolve: (value: Res) => void;
  reject: (error: unknown) => void;
}

/** Batches requests made within one event-loop turn. */
export class TickBatcher<Req, Res> {
  readonly #fn: BatchFn<Req, Res>;
  #queue: Pending<Req, Res>[] = [];
  #scheduled = false;
  #inFlight = new Set<Promise<void>>();

  constructor(fn: BatchFn<Req, Res>) {
    this.#fn = fn;
  }

  /** Requests currently waiting for the next flush. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Adds a request to the current batch. */
  request(request: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      this.#queue.push({ request, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  /** Resolves when every batch requested so far has been served. */
  async drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#inFlight.size > 0) {
      if (this.#queue.length > 0 && !this.#scheduled) this.#flush();
      await Promise.allSettled([...this.#inFlight, new Promise((r) => setImmediate(r))]);
    }
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    const run = (async () => {
      try {
        const results = await this.#fn(batch.map((p) => p.request));
        batch.forEach((p, i) => p.resolve(results[i] as Res));
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    })();
    this.#inFlight.add(run);
    void run.finally(() => this.#inFlight.delete(run));
  }
}
