/**
 * Output of data: `--json` prints one JSON document (or one per line for streams such as
 * `stats --watch`) for scripts; otherwise aligned tables and `key: value` lines for people.
 * Data goes to stdout; logs and errors go elsewhere, so `--json` output stays parseable.
 */
import type { Job, QueueStats } from '../../types.js';

/** Writes a line to stdout. */
export function println(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Writes `value` as one line of JSON. */
export function printJson(value: unknown): void {
  println(JSON.stringify(value));
}

/** Formats rows as a table with a header, columns padded to their widest cell. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

function time(epochMs: number | null): string {
  return epochMs === null ? '-' : new Date(epochMs).toISOString();
}

/** One cell of text: no line breaks, at most `max` characters. */
function cell(text: string | null, max = 60): string {
  if (text === null || text === '') return '-';
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A table of jobs, for `jobs list`. */
export function formatJobTable(jobs: readonly Job[]): string {
  if (jobs.length === 0) return 'No jobs.';
  return formatTable(
    ['ID', 'TYPE', 'STATE', 'PRIORITY', 'ATTEMPTS', 'RUN AT', 'LAST ERROR'],
    jobs.map((j) => [j.id, j.type, j.state, String(j.priority), `${j.attempts}/${j.maxRetries + 1}`, time(j.runAt), cell(j.lastError)]),
  );
}

/** Every field of one job, for `jobs show`. */
export function formatJob(job: Job): string {
  const rows: [string, string][] = [
    ['id', job.id],
    ['type', job.type],
    ['state', job.state],
    ['priority', String(job.priority)],
    ['attempts', `${job.attempts} of ${job.maxRetries + 1}`],
    ['stalls', String(job.stalls)],
    ['run at', time(job.runAt)],
    ['created at', time(job.createdAt)],
    ['manual', String(job.manual)],
    ['dedupe key', job.dedupeKey ?? '-'],
    ['timeout', job.timeoutMs === null ? '-' : `${job.timeoutMs} ms`],
    ['locked by', job.lockedBy ?? '-'],
    ['locked until', time(job.lockedUntil)],
    ['progress', job.progress === null ? '-' : JSON.stringify(job.progress)],
    ['last error', job.lastError ?? '-'],
    ['payload', JSON.stringify(job.payload, null, 2)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`).join('\n');
}

/**
 * Counts per state, then per type, for `stats`; with the live workers running each type
 * (`paused` after the count when its jobs are held by a pause), and a line for what is
 * paused and for jobs no live worker runs.
 */
export function formatStats(stats: QueueStats, at: Date = new Date()): string {
  const states = ['pending', 'delayed', 'processing', 'failed'] as const;
  const types = Object.keys(stats.byType).sort();
  const rows = types.map((type) => {
    const t = stats.byType[type]!;
    return [type, ...states.map((s) => String(t[s])), `${t.workers}${t.paused ? ' paused' : ''}`];
  });
  rows.push(['(all)', ...states.map((s) => String(stats[s])), String(stats.workers)]);
  const notes: string[] = [];
  if (stats.paused) notes.push('the whole queue is paused: no worker starts any job');
  if (stats.pausedTypes.length > 0) notes.push(`paused job types: ${stats.pausedTypes.join(', ')}`);
  if (stats.withoutWorker > 0) {
    const idle = types.filter((t) => stats.byType[t]!.workers === 0 && stats.byType[t]!.pending + stats.byType[t]!.delayed > 0);
    notes.push(`${stats.withoutWorker} pending or delayed job(s) have no live worker for their type: ${idle.join(', ')}`);
  }
  const table = formatTable(['TYPE', ...states.map((s) => s.toUpperCase()), 'WORKERS'], rows);
  return `${table}\n\n${notes.map((n) => `${n}\n`).join('')}as of ${at.toISOString()}`;
}
