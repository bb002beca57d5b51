/**
 * Traces through `@opentelemetry/api`, an optional peer. Nothing here loads it until a
 * host registered a tracer provider or a propagator: the api keeps what an SDK registers
 * on `globalThis` under `Symbol.for('opentelemetry.js.api.1')` (that is how several copies
 * of the api in one process share one SDK), and reading that key costs nothing, where
 * requiring the api costs tens of milliseconds. Without a registration, or without the
 * api installed, every function here does nothing and the queue runs as it would without
 * tracing.
 *
 * - Producer: {@link captureTrace} injects the active context with the registered
 *   propagator (W3C `traceparent`/`tracestate` by default) into a small carrier, stored
 *   with each job added by the call.
 * - Worker: {@link JobTracer.run} extracts it and runs the attempt in a `CONSUMER` span
 *   named `phaseq.job <type>`, a child of the producer's span (same trace id, in any
 *   process: the carrier travels in the job's row or hash), with the job's type, id,
 *   attempt and outcome as attributes and an error status for a failed attempt. The
 *   handler runs inside that span's context, so its own spans, and the jobs it adds, join
 *   the trace.
 */
import type * as OtelApi from '@opentelemetry/api';
import type { Job } from '../types.js';
import { optionalPeer } from '../peers.js';

type Otel = typeof OtelApi;

let loaded: Otel | null | undefined;

/** The api module, or null when it is not installed (looked up once). */
function otel(): Otel | null {
  if (loaded === undefined) loaded = optionalPeer<Otel>('@opentelemetry/api');
  return loaded;
}

/** Where api version 1 keeps what is registered (see the module comment). */
const GLOBAL_KEY = Symbol.for('opentelemetry.js.api.1');

/** Whether a host registered a global of this kind (`trace`: a tracer provider). */
function registered(kind: 'trace' | 'propagation'): boolean {
  const globals: unknown = (globalThis as Record<symbol, unknown>)[GLOBAL_KEY];
  return typeof globals === 'object' && globals !== null && (globals as Record<string, unknown>)[kind] !== undefined;
}

/** Tracer name and the attribute names of a job span. */
export const TRACE_NAMES = {
  tracer: 'phaseq',
  type: 'phaseq.job.type',
  id: 'phaseq.job.id',
  attempt: 'phaseq.job.attempt',
  outcome: 'phaseq.job.outcome',
} as const;

/**
 * How an attempt ended, as the span's `phaseq.job.outcome` says: `completed`,
 * `retrying` (failed, runs again), `failed` (for good), `cancelled`, `released` (the
 * queue stopped under it: it goes back to pending, not counted), `lease-lost` (another
 * process took the job over), `rate-limited` (the handler threw `RateLimitedError`: it runs
 * again later, the attempt given back).
 */
export type AttemptOutcome = 'completed' | 'retrying' | 'failed' | 'cancelled' | 'released' | 'lease-lost' | 'rate-limited';

/** What an attempt reports to its span. */
export interface AttemptResult {
  outcome: AttemptOutcome;
  /** The error of a failed attempt. */
  error?: Error;
}

/**
 * The active trace context as JSON, for the jobs of one `addJobs` call; null when no
 * propagator is registered, without the api, without an active span, or when the
 * propagator writes nothing.
 */
export function captureTrace(): string | null {
  if (!registered('propagation')) return null;
  const api = otel();
  if (!api) return null;
  const carrier: Record<string, string> = {};
  api.propagation.inject(api.context.active(), carrier);
  return carrier.traceparent === undefined && Object.keys(carrier).length === 0 ? null : JSON.stringify(carrier);
}

/** Runs attempts in spans while an SDK is registered; made once per started queue. */
export class JobTracer {
  /**
   * Whether an attempt should run in a span: a tracer provider is registered (checked per
   * attempt, as a host may register one after the queue started) and the api loads.
   */
  active(): boolean {
    return registered('trace') && otel() !== null;
  }

  /** Runs one attempt of `job` in its span; the span ends when `attempt` settles. Call when {@link active}. */
  async run(job: Job, attempt: () => Promise<AttemptResult>): Promise<AttemptResult> {
    const api = otel();
    if (!api) return attempt();
    // Asked for each attempt: a host may replace its provider while the queue runs.
    const tracer = api.trace.getTracer(TRACE_NAMES.tracer);
    const parent = job.trace ? api.propagation.extract(api.ROOT_CONTEXT, job.trace) : api.ROOT_CONTEXT;
    const span = tracer.startSpan(
      `phaseq.job ${job.type}`,
      {
        kind: api.SpanKind.CONSUMER,
        attributes: { [TRACE_NAMES.type]: job.type, [TRACE_NAMES.id]: job.id, [TRACE_NAMES.attempt]: job.attempts },
      },
      parent,
    );
    try {
      const result = await api.context.with(api.trace.setSpan(parent, span), attempt);
      span.setAttribute(TRACE_NAMES.outcome, result.outcome);
      if (result.error && (result.outcome === 'retrying' || result.outcome === 'failed')) {
        span.recordException(result.error);
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: result.error.message });
      }
      return result;
    } finally {
      span.end();
    }
  }
}
