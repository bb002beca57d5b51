/**
 * Traces through `@opentelemetry/api`, an optional peer: loaded on first use, and when it
 * is not installed every function here does nothing. With the api but no SDK registered,
 * the api's own no-op implementations run (no carrier is filled, spans record nothing).
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
 * process took the job over).
 */
export type AttemptOutcome = 'completed' | 'retrying' | 'failed' | 'cancelled' | 'released' | 'lease-lost';

/** What an attempt reports to its span. */
export interface AttemptResult {
  outcome: AttemptOutcome;
  /** The error of a failed attempt. */
  error?: Error;
}

/**
 * The active trace context as JSON, for the jobs of one `addJobs` call; null without the
 * api, without an active span, or when the propagator writes nothing.
 */
export function captureTrace(): string | null {
  const api = otel();
  if (!api) return null;
  const carrier: Record<string, string> = {};
  api.propagation.inject(api.context.active(), carrier);
  return carrier.traceparent === undefined && Object.keys(carrier).length === 0 ? null : JSON.stringify(carrier);
}

/** Runs attempts in spans; made once per started queue, only when the api is installed. */
export class JobTracer {
  readonly #api: Otel;
  readonly #tracer: OtelApi.Tracer;
  /** The api's no-op provider: what the global provider delegates to until an SDK registers. */
  readonly #noop: OtelApi.TracerProvider;

  private constructor(api: Otel) {
    this.#api = api;
    this.#tracer = api.trace.getTracer(TRACE_NAMES.tracer);
    this.#noop = new api.ProxyTracerProvider().getDelegate();
  }

  /**
   * Whether an SDK is registered now (checked per attempt: a host may register it after
   * the queue started). Without one, spans would record nothing: the attempt runs
   * without them, exactly as it does without the api.
   */
  active(): boolean {
    const provider = this.#api.trace.getTracerProvider();
    // Another copy of the api registered the provider: assume an SDK.
    return !(provider instanceof this.#api.ProxyTracerProvider) || provider.getDelegate() !== this.#noop;
  }

  /** A tracer, or null when `@opentelemetry/api` is not installed. */
  static create(): JobTracer | null {
    const api = otel();
    return api ? new JobTracer(api) : null;
  }

  /** Runs one attempt of `job` in its span; the span ends when `attempt` settles. Call when {@link active}. */
  async run(job: Job, attempt: () => Promise<AttemptResult>): Promise<AttemptResult> {
    const api = this.#api;
    const parent = job.trace ? api.propagation.extract(api.ROOT_CONTEXT, job.trace) : api.ROOT_CONTEXT;
    const span = this.#tracer.startSpan(
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
