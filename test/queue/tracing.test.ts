/**
 * Traces with a real OpenTelemetry SDK (in-memory exporter) in one process, on a SQLite
 * file: addJob records the caller's context, each attempt runs in a `phaseq.job <type>`
 * span that is its child, with type, id, attempt and outcome, an error status when the
 * attempt failed, and the handler's own work inside it. Across processes and on Redis:
 * test/process/debounceTraces.test.ts.
 */
import { join } from 'node:path';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HandlerRegistry, JobQueue, SQLiteJobQueueStorage } from '../../src/index.js';
import { optionalPeer } from '../../src/peers.js';
import { installTracing, type TestTracing } from '../support/tracing.js';
import { makeTempDir, waitFor } from '../support/tmp.js';

describe('traces', () => {
  const cleanups: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  function setup(register: (registry: HandlerRegistry) => void): { queue: JobQueue; tracing: TestTracing } {
    const registry = new HandlerRegistry();
    register(registry);
    const tracing = installTracing();
    const tmp = makeTempDir();
    const queue = new JobQueue({
      storage: new SQLiteJobQueueStorage({ filename: join(tmp.dir, 'jobs.db') }),
      registry,
      scheduler: false,
      backoff: { type: 'fixed', delayMs: 1 },
    });
    cleanups.push(
      tmp.cleanup,
      () => tracing.uninstall(),
      () => queue.stop(),
    );
    return { queue, tracing };
  }

  const jobSpans = (tracing: TestTracing) => tracing.exporter.getFinishedSpans().filter((s) => s.name.startsWith('phaseq.job'));

  it('each attempt is a child of the span that added the job; the handler works inside it', async () => {
    const { queue, tracing } = setup((registry) =>
      registry.register(
        'thumb',
        async () => {
          trace.getTracer('test').startActiveSpan('resize', (span) => span.end());
        },
        { schema: z.object({}) },
      ),
    );
    const id = await trace.getTracer('test').startActiveSpan('upload-handler', async (span) => {
      try {
        return await queue.addJob({ type: 'thumb', payload: {} });
      } finally {
        span.end();
      }
    });
    const stored = await queue.getJob(id);
    expect(stored?.trace?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await queue.start();
    await waitFor(
      () => jobSpans(tracing).length === 1 && tracing.exporter.getFinishedSpans().some((s) => s.name === 'resize'),
      10_000,
      'the job span',
    );
    const upload = tracing.exporter.getFinishedSpans().find((s) => s.name === 'upload-handler')!;
    const [span] = jobSpans(tracing);
    expect(span!.name).toBe('phaseq.job thumb');
    expect(span!.kind).toBe(SpanKind.CONSUMER);
    expect(span!.spanContext().traceId).toBe(upload.spanContext().traceId);
    expect(span!.parentSpanContext?.spanId).toBe(upload.spanContext().spanId);
    expect(span!.attributes).toEqual({
      'phaseq.job.type': 'thumb',
      'phaseq.job.id': id,
      'phaseq.job.attempt': 1,
      'phaseq.job.outcome': 'completed',
    });
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
    const resize = tracing.exporter.getFinishedSpans().find((s) => s.name === 'resize')!;
    expect(resize.parentSpanContext?.spanId).toBe(span!.spanContext().spanId);
  });

  it('a failed attempt ends its span with an error status; the retry is a sibling in the same trace', async () => {
    let calls = 0;
    const { queue, tracing } = setup((registry) =>
      registry.register(
        'flaky',
        () => {
          calls++;
          throw new Error(`boom ${calls}`);
        },
        { schema: z.object({}), maxRetries: 1 },
      ),
    );
    await queue.start();
    const id = await trace.getTracer('test').startActiveSpan('request', async (span) => {
      try {
        return await queue.addJob({ type: 'flaky', payload: {} });
      } finally {
        span.end();
      }
    });
    await waitFor(() => jobSpans(tracing).length === 2, 10_000, 'two attempt spans');
    const request = tracing.exporter.getFinishedSpans().find((s) => s.name === 'request')!;
    const spans = jobSpans(tracing);
    expect(
      spans.map((s) => [s.attributes['phaseq.job.attempt'], s.attributes['phaseq.job.outcome'], s.attributes['phaseq.job.id']]),
    ).toEqual([
      [1, 'retrying', id],
      [2, 'failed', id],
    ]);
    for (const s of spans) {
      expect(s.status).toEqual({ code: SpanStatusCode.ERROR, message: expect.stringMatching(/^boom /) });
      expect(s.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      expect(s.events.map((e) => e.name)).toEqual(['exception']);
    }
  });

  it('a job added outside any span stores no trace, and its attempt is a root span', async () => {
    const { queue, tracing } = setup((registry) => registry.register('plain', () => {}, { schema: z.object({}) }));
    const id = await queue.addJob({ type: 'plain', payload: {} });
    expect(await queue.getJob(id)).not.toHaveProperty('trace');
    await queue.start();
    await waitFor(() => jobSpans(tracing).length === 1, 10_000, 'the job span');
    expect(jobSpans(tracing)[0]!.parentSpanContext).toBeUndefined();
  });

  it('an optional peer that is not installed turns its feature off instead of failing', () => {
    expect(optionalPeer('phaseq-no-such-package')).toBeNull();
  });
});
