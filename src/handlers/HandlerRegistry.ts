/**
 * HandlerRegistry: which function runs each job type, and the zod schema its payload
 * must satisfy. The queue validates every payload against it before storing anything.
 */
import type { Logger } from 'pino';
import type { z, ZodType } from 'zod';
import { RegistrationError, UnknownJobTypeError, ValidationError } from '../errors.js';
import { describeIssues, parseWithIssues } from '../validation.js';
import type { BackoffOptions } from '../queue/backoff.js';
import type { PhaseConfigService } from '../phases/PhaseConfigService.js';
import type { Job, JobInput, PayloadOf } from '../types.js';

/** The part of the queue a handler may use: enqueueing further jobs (the next phase). */
export interface JobEnqueuer {
  addJob<T extends string>(input: JobInput<T>): Promise<string>;
  addJobs(inputs: readonly JobInput[]): Promise<string[]>;
}

/** What a handler receives besides its job. */
export interface JobContext {
  /** Aborted on timeout, cancellation, lease loss or shutdown; pass it to I/O calls. */
  readonly signal: AbortSignal;
  /** pino child logger bound to the job's id and type. */
  readonly logger: Logger;
  /** The queue, to enqueue the next phase. */
  readonly queue: JobEnqueuer;
  /** Id of the worker running this attempt. */
  readonly workerId: string;
  /**
   * The phase configuration: read it when the job runs, so every phase does what the
   * current settings say. Throws when the queue was built without `phases`.
   */
  readonly phases: PhaseConfigService;
  /** Reports progress: stored on the job and emitted as `job:progress`. */
  progress(value: unknown): Promise<void>;
}

/** A job handler. What it resolves with is reported as the `result` of `job:completed`. */
export type JobHandler<T extends string = string, P = PayloadOf<T>> = (
  job: Job<T, P>,
  ctx: JobContext,
) => Promise<unknown> | unknown;

/** Options of one registration. */
export interface RegisterOptions<S extends ZodType = ZodType> {
  /** zod schema of the payload; required, so that no payload is stored unchecked. */
  schema: S;
  /** Retry delays for this type. @default the queue's `backoff` */
  backoff?: BackoffOptions;
  /** Retries for jobs of this type that do not set `maxRetries`. @default the queue's `maxRetries` */
  maxRetries?: number;
  /** Attempt time limit for jobs of this type that do not set `timeoutMs`. @default none */
  timeoutMs?: number;
}

/** One registered job type. */
export interface Registration {
  readonly type: string;
  readonly handler: JobHandler<string, unknown>;
  readonly schema: ZodType;
  readonly backoff: BackoffOptions | undefined;
  readonly maxRetries: number | undefined;
  readonly timeoutMs: number | undefined;
}

/**
 * The registry of job types.
 *
 * @example
 * ```ts
 * const registry = new HandlerRegistry();
 * registry.register('send-email', async (job, ctx) => {
 *   await mailer.send(job.payload.to, { signal: ctx.signal });
 * }, { schema: z.object({ to: z.string().email() }) });
 * ```
 */
export class HandlerRegistry {
  readonly #entries = new Map<string, Registration>();

  /**
   * Registers the handler of a job type. The handler sees the schema's output type; for a
   * type declared in `JobPayloadMap` the schema must produce that payload type.
   * Registering a type twice, or without a schema, throws {@link RegistrationError}.
   */
  register<T extends string, S extends ZodType<PayloadOf<T>>>(
    type: T,
    handler: JobHandler<T, z.output<S>>,
    options: RegisterOptions<S>,
  ): this {
    if (typeof type !== 'string' || type.trim() === '') {
      throw new RegistrationError('A job type must be a non-empty string');
    }
    if (this.#entries.has(type)) {
      throw new RegistrationError(`Job type "${type}" is already registered`);
    }
    if (typeof handler !== 'function') {
      throw new RegistrationError(`Job type "${type}" needs a handler function`);
    }
    if (!options || typeof options.schema?.safeParse !== 'function') {
      throw new RegistrationError(`Job type "${type}" needs a zod schema (options.schema)`);
    }
    this.#entries.set(type, {
      type,
      // A handler typed for Job<T, z.output<S>> is stored as a handler of any job: the
      // queue only calls it with jobs of type T whose payload passed this schema.
      handler: handler as JobHandler<string, unknown>,
      schema: options.schema,
      backoff: options.backoff,
      maxRetries: options.maxRetries,
      timeoutMs: options.timeoutMs,
    });
    return this;
  }

  /** The registration of `type`, or undefined. */
  get(type: string): Registration | undefined {
    return this.#entries.get(type);
  }

  /** Whether `type` is registered. */
  has(type: string): boolean {
    return this.#entries.has(type);
  }

  /** Registered types, in registration order. */
  types(): string[] {
    return [...this.#entries.keys()];
  }

  /**
   * Validates a payload against its type's schema and returns the parsed value (zod
   * defaults applied, unknown keys stripped as the schema says).
   *
   * @throws UnknownJobTypeError when no handler is registered for `type`
   * @throws ValidationError naming each offending field as `payload.<path>`
   */
  parsePayload(type: string, payload: unknown): unknown {
    const entry = this.#entries.get(type);
    if (!entry) throw new UnknownJobTypeError(type);
    const result = parseWithIssues(entry.schema, payload, 'payload');
    if (!result.success) {
      throw new ValidationError(`Invalid payload for job type "${type}": ${describeIssues(result.issues, 'payload')}`, result.issues);
    }
    return result.data;
  }
}
