/**
 * A real OpenTelemetry SDK for tests: a tracer provider with an in-memory exporter, the
 * AsyncLocalStorage context manager and the W3C trace-context propagator, registered as
 * the process's globals (what a host's SDK setup does), and undone by `uninstall`.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface TestTracing {
  exporter: InMemorySpanExporter;
  provider: BasicTracerProvider;
  uninstall(): Promise<void>;
}

/** Registers the SDK globally; spans also go to `extra` when given (e.g. a file). */
export function installTracing(extra?: SpanExporter): TestTracing {
  const exporter = new InMemorySpanExporter();
  const spanProcessors = [new SimpleSpanProcessor(exporter), ...(extra ? [new SimpleSpanProcessor(extra)] : [])];
  const provider = new BasicTracerProvider({ spanProcessors });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    exporter,
    provider,
    async uninstall() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
