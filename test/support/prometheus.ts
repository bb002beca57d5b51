/**
 * Reads a scrape with a Prometheus text-format parser that phaseq does not own
 * (prom2javascript), so the tests cannot agree with a bug of our own output. The parser
 * rejects malformed sample and label lines and a histogram whose +Inf bucket differs
 * from its count.
 */
import { getMetricsFromIterator, type PromHistogramData, type PromMetric, type PromMetrics } from 'prom2javascript';

/** Parses exposition text (throws on a malformed line). */
export function parseScrape(text: string): Promise<PromMetrics> {
  return getMetricsFromIterator(text.split('\n')[Symbol.iterator]());
}

function family(metrics: PromMetrics, name: string): PromMetric {
  const found = metrics[name];
  if (!found) throw new Error(`no metric ${name} in the scrape (has: ${Object.keys(metrics).join(', ')})`);
  return found;
}

function matches(labels: Record<string, string>, want: Record<string, string>): boolean {
  const keys = Object.keys(want);
  return keys.length === Object.keys(labels).length && keys.every((k) => labels[k] === want[k]);
}

/** The value of the counter or gauge sample of `name` with exactly `labels`, or undefined. */
export function value(metrics: PromMetrics, name: string, labels: Record<string, string>): number | undefined {
  const data = family(metrics, name).data as { labels: Record<string, string>; value?: number }[];
  return data.find((d) => matches(d.labels, labels))?.value;
}

/** The histogram series of `name` with exactly `labels` (besides `le`). */
export function histogram(metrics: PromMetrics, name: string, labels: Record<string, string>): PromHistogramData {
  const data = family(metrics, name).data as PromHistogramData[];
  const found = data.find((d) => matches(d.labels, labels));
  if (!found) throw new Error(`no ${name} series with ${JSON.stringify(labels)}`);
  return found;
}

/** Every label set of `name`. */
export function labelSets(metrics: PromMetrics, name: string): Record<string, string>[] {
  return (family(metrics, name).data as { labels: Record<string, string> }[]).map((d) => d.labels);
}

export { family };
