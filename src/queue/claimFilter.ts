/**
 * RegistryFilter: the claim filter of a queue — the job types its registry holds, with
 * their limits — so that a queue claims only jobs it can run. Rebuilt when the registry
 * gains a type (its `version` moves), so `queue.use(plugin)` after `start()` takes effect
 * at the next claim; otherwise the same object serves every claim.
 */
import type { HandlerRegistry } from '../handlers/HandlerRegistry.js';
import type { ClaimFilter } from '../storage/claims.js';

/** The registry's claim filter, cached per registry version. */
export class RegistryFilter {
  readonly #registry: HandlerRegistry;
  #version = -1;
  #filter: ClaimFilter = { types: [] };
  #types: readonly string[] = [];

  constructor(registry: HandlerRegistry) {
    this.#registry = registry;
  }

  /** The filter every claim of the queue passes. */
  get filter(): ClaimFilter {
    this.#refresh();
    return this.#filter;
  }

  /** The registered job types. */
  get types(): readonly string[] {
    this.#refresh();
    return this.#types;
  }

  #refresh(): void {
    const registry = this.#registry;
    if (registry.version === this.#version) return;
    this.#version = registry.version;
    this.#types = registry.types();
    this.#filter = {
      types: this.#types.map((type) => {
        const r = registry.get(type)!;
        return {
          type,
          concurrency: r.concurrency,
          groupConcurrency: r.group?.concurrency ?? null,
          rateLimit: r.rateLimit,
          groupRateLimit: r.group?.rateLimit ?? null,
        };
      }),
    };
  }
}
