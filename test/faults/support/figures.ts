/**
 * Figures of the fault suite: printed, and written into docs/reliability.md between
 * `<!-- figures:start -->` and `<!-- figures:end -->`, one sub-section per scenario, so
 * the published page always shows the last run. Files of the suite run one at a time,
 * so the read-modify-write of the page never races.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const DOC = join(import.meta.dirname, '../../../docs/reliability.md');
const START = '<!-- figures:start -->';
const END = '<!-- figures:end -->';

/** One scenario's figures: label -> value (already formatted or a number). */
export type Figures = Record<string, string | number>;

function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `Node ${process.version}, ${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM`;
}

function table(figures: Figures): string {
  const rows = Object.entries(figures).map(([k, v]) => `| ${k} | ${typeof v === 'number' ? fmt(v) : v} |`);
  return ['| figure | value |', '| --- | --- |', ...rows].join('\n');
}

/** Formats a number for the tables: whole numbers grouped, fractions to 2 places. */
export function fmt(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(2);
}

/**
 * Prints the figures of `scenario` and replaces its sub-section in docs/reliability.md
 * (adding it if it is new). Sub-sections are kept in alphabetical order of their key.
 */
export function reportFigures(key: string, title: string, figures: Figures): void {
  console.log(
    `\n[${title}]\n${Object.entries(figures)
      .map(([k, v]) => `  ${k}: ${typeof v === 'number' ? fmt(v) : v}`)
      .join('\n')}`,
  );
  const doc = readFileSync(DOC, 'utf8');
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`docs/reliability.md lacks the ${START} ... ${END} markers`);
  const body = doc.slice(a + START.length, b);
  const sections = new Map<string, string>();
  for (const m of body.matchAll(/<!-- scenario:([\w-]+) -->\n([\s\S]*?)<!-- \/scenario -->/g)) {
    sections.set(m[1]!, m[2]!);
  }
  const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
  sections.set(key, `### ${title}\n\n_Last run ${stamp} UTC; ${machine()}._\n\n${table(figures)}\n\n`);
  const ordered = [...sections.entries()].sort(([x], [y]) => x.localeCompare(y));
  const next = ordered.map(([k, text]) => `<!-- scenario:${k} -->\n${text}<!-- /scenario -->`).join('\n');
  writeFileSync(DOC, `${doc.slice(0, a + START.length)}\n${next}\n${doc.slice(b)}`);
}

/** Percentile (0..100) of a list of numbers, by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
