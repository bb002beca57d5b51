/**
 * Plugins: a named set of job types, each with its zod schema and handler, plus an
 * optional setup step. `queue.use(plugin)` registers them all or none.
 */
import type { z, ZodType } from 'zod';
import type { Migration } from '../db/migration.js';
import type { PhaseSchemas } from '../phases/phaseConfig.js';
import { RegistrationError } from '../errors.js';
import { checkLimits, type GroupOptions, type JobHandler } from '../handlers/HandlerRegistry.js';
import type { BackoffOptions } from '../handlers/backoff.js';
import type { JobQueue } from '../JobQueue.js';
import type { RateLimit } from '../storage/claims.js';

/** One job type of a plugin. The handler sees the schema's output as its payload type. */
export interface PluginJob<T extends string, S extends ZodType> {
  /** Payload schema; required. */
  schema: S;
  handler: JobHandler<T, z.output<S>>;
  /** @default the queue's backoff */
  backoff?: BackoffOptions;
  /** @default the queue's maxRetries */
  maxRetries?: number;
  /** @default none */
  timeoutMs?: number;
  /** At most this many jobs of this type run at once, across processes (see `RegisterOptions.concurrency`). @default no limit */
  concurrency?: number;
  /** Per-key concurrency and rate limit (see `GroupOptions`); `by` sees the schema's output. @default none */
  group?: GroupOptions<z.output<S>>;
  /** At most `max` starts in any `durationMs`, across processes (see `RegisterOptions.rateLimit`). @default no limit */
  rateLimit?: RateLimit;
}

/** What `definePlugin` takes: `S` maps each job type to its schema. */
export interface PluginDefinition<S extends Record<string, ZodType>> {
  /** Name, for logs and errors. */
  name: string;
  jobs: { [K in keyof S & string]: PluginJob<K, S[K]> };
  /**
   * The plugin's own SQLite migrations, numbered from 1 and tracked under its name (see
   * `migratePlugin`); the plugin applies them to the database it works on.
   * @default []
   */
  migrations?: readonly Migration[];
  /**
   * Phases whose settings the plugin's handlers read (`ctx.phases.getConfig(name)`): each
   * a zod object whose every field has a `.default()`. `queue.use(plugin)` registers them
   * on the queue's `PhaseConfigService` (see `registerPhases`).
   * @default {}
   */
  phases?: PhaseSchemas;
  /** Runs once at `queue.use(plugin)`, after the job types are registered. */
  setup?: (queue: JobQueue) => void | Promise<void>;
}

/** A plugin ready for `queue.use`. */
export interface Plugin<S extends Record<string, ZodType> = Record<string, ZodType>> {
  readonly name: string;
  /** The job types it registers. */
  readonly jobTypes: readonly (keyof S & string)[];
  /** The payload schemas, by job type. */
  readonly schemas: S;
  /** Its own migrations (a `MigrationSet` together with `name`). */
  readonly migrations: readonly Migration[];
  /** The phases it registers on the queue's `PhaseConfigService`. */
  readonly phases: PhaseSchemas;
  /** Registers the job types on `queue` (all or none), then runs `setup`. */
  register(queue: JobQueue): Promise<void>;
}

/**
 * Defines a plugin. Payload types flow from each schema into its handler.
 *
 * @example
 * ```ts
 * export const emailPlugin = definePlugin({
 *   name: 'email',
 *   jobs: {
 *     'send-email': {
 *       schema: z.object({ to: z.string().email() }),
 *       handler: async (job, ctx) => mailer.send(job.payload.to, { signal: ctx.signal }),
 *     },
 *   },
 * });
 * await queue.use(emailPlugin);
 * ```
 */
export function definePlugin<S extends Record<string, ZodType>>(definition: PluginDefinition<S>): Plugin<S> {
  if (!definition || typeof definition.name !== 'string' || definition.name.trim() === '') {
    throw new RegistrationError('A plugin needs a non-empty name');
  }
  const { name, jobs, setup, migrations = [], phases = {} } = definition;
  if (!jobs || typeof jobs !== 'object') throw new RegistrationError(`Plugin "${name}" needs a jobs object`);
  const jobTypes = Object.keys(jobs) as (keyof S & string)[];
  const schemas = {} as Record<string, ZodType>;
  for (const type of jobTypes) schemas[type] = jobs[type].schema;
  return {
    name,
    jobTypes,
    schemas: schemas as S,
    migrations,
    phases,
    async register(queue: JobQueue): Promise<void> {
      // Check everything first so that a bad plugin registers nothing.
      for (const type of jobTypes) {
        const job = jobs[type];
        if (queue.registry.has(type)) {
          throw new RegistrationError(`Plugin "${name}": job type "${type}" is already registered`);
        }
        if (!job || typeof job.schema?.safeParse !== 'function') {
          throw new RegistrationError(`Plugin "${name}": job type "${type}" has no zod schema`);
        }
        if (typeof job.handler !== 'function') {
          throw new RegistrationError(`Plugin "${name}": job type "${type}" has no handler`);
        }
        const issues = checkLimits(job);
        if (issues.length > 0) {
          throw new RegistrationError(
            `Plugin "${name}": job type "${type}": ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
            issues,
          );
        }
      }
      // Phases first: a clash with phases already registered refuses the whole plugin.
      if (Object.keys(phases).length > 0) queue.phases?.registerPhases(phases);
      for (const type of jobTypes) {
        const job = jobs[type];
        // The plugin's own generics already tie each handler to its schema's output;
        // the registry stores handlers untyped (it only calls them with parsed payloads).
        queue.registry.register<string, ZodType>(type, job.handler as JobHandler<string, unknown>, {
          schema: job.schema,
          backoff: job.backoff,
          maxRetries: job.maxRetries,
          timeoutMs: job.timeoutMs,
          concurrency: job.concurrency,
          rateLimit: job.rateLimit,
          // Typed for this job's schema output, like the handler.
          group: job.group as GroupOptions | undefined,
        });
      }
      await setup?.(queue);
      queue.logger.debug({ plugin: name, jobTypes }, 'plugin registered');
    },
  };
}
