/**
 * Benchmark scenarios of debounce and traces, run by scenarios.ts:
 *
 * - `debounceBurst`: a started queue takes `adds` debounced adds of one key, one call each,
 *   as fast as it can (a quiet time of 200 ms, a maximum wait of a minute): the adds per
 *   second, and how many times the job ran once the burst was over (1 when it collapsed).
 * - `installSdk`: registers a real OpenTelemetry SDK (a tracer provider recording every
 *   span, no exporter) and the AsyncLocalStorage context manager, so that a drain pays
 *   for a recorded span per attempt: the cost of tracing switched on.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, type IJobQueueStorage } from '../src/index.js';

/** Figures of a debounced burst. */
export async function debounceBurst(storage: IJobQueueStorage, adds: number): Promise<Record<string, number>> {
  let runs = 0;
  const registry = new HandlerRegistry();
  registry.register(
    'reindex',
    () => {
      runs++;
    },
    { schema: z.object({ i: z.number() }) },
  );
  const queue = new JobQueue({ storage, registry, logger: pino({ level: 'silent' }), concurrency: 3 });
  await queue.start();
  const t = performance.now();
  for (let i = 0; i < adds; i++) {
    await queue.addJob({ type: 'reindex', payload: { i }, dedupeKey: 'doc', debounceMs: 200, debounceMaxWaitMs: 60_000 });
  }
  const ms = performance.now() - t;
  await new Promise((r) => queue.once('queue:drained', r));
  await queue.stop();
  return { addsPerSec: Math.round(adds / (ms / 1000)), runs };
}

/** Registers an SDK that records every span (see the module comment). */
export function installSdk(): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new BasicTracerProvider());
}
