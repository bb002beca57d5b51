/**
 * `npm run bench`: phaseq on SQLite beside plainjob 0.0.14 and the raw SQLite floor,
 * each scenario in a fresh process, repeated; prints medians and the ratios the targets
 * are stated in. Options: `--jobs N` (default 20000), `--runs N` (default 3),
 * `--out FILE` to also write the markdown table (docs/benchmarks.md keeps a run),
 * `--no-redis` to leave out the Redis rows (they need Redis on 127.0.0.1:6379).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const JOBS = Number(arg('jobs', '20000'));
const RUNS = Number(arg('runs', '3'));
const OUT = arg('out', '');
const SCENARIOS = join(import.meta.dirname, 'scenarios.ts');

function runOnce(name: string, concurrency = 3): Record<string, number> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SCENARIOS, name, String(JOBS), String(concurrency)], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop() ?? '{}';
  return JSON.parse(line) as Record<string, number>;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs a scenario RUNS times (interleaved by the caller's order) and keeps the median of each figure. */
function measure(name: string, concurrency?: number): Record<string, number> {
  const runs = Array.from({ length: RUNS }, () => runOnce(name, concurrency));
  const keys = Object.keys(runs[0] ?? {});
  return Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]!))]));
}

const rows: [string, string, string, string][] = [];
const fmt = (n: number | undefined, digits = 0): string => (n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(digits));
const ratio = (a: number | undefined, b: number | undefined): string => (a && b ? `${(a / b).toFixed(2)}x` : 'n/a');

console.log(`phaseq benchmark: ${JOBS} no-op jobs, ${RUNS} runs per figure (median), ${cpus().length} cores, node ${process.version}\n`);

const raw1 = measure('raw-claim-delete');
const raw100 = measure('raw-claim-delete-batched');
rows.push(['raw SQLite claim+delete, 1 per transaction', fmt(raw1.jobsPerSec), '', '']);
rows.push(['raw SQLite claim+delete, 100 per transaction', fmt(raw100.jobsPerSec), '', '']);

const add = measure('phaseq-add');
const pAdd = measure('plainjob-add');
rows.push(['addJob, jobs/s', fmt(add.jobsPerSec), fmt(pAdd.jobsPerSec), ratio(add.jobsPerSec, pAdd.jobsPerSec)]);
const bulk = measure('phaseq-add-bulk');
const pBulk = measure('plainjob-add-bulk');
rows.push(['addJobs (1,000 per call), jobs/s', fmt(bulk.jobsPerSec), fmt(pBulk.jobsPerSec), ratio(bulk.jobsPerSec, pBulk.jobsPerSec)]);

for (const c of [1, 3, 50]) {
  const d = measure('phaseq-drain', c);
  const p = measure('plainjob-drain', c);
  rows.push([`drain at concurrency ${c}, jobs/s`, fmt(d.jobsPerSec), fmt(p.jobsPerSec), ratio(d.jobsPerSec, p.jobsPerSec)]);
  if (c === 50) rows.push(['drain at concurrency 50 / raw batched limit', ratio(d.jobsPerSec, raw100.jobsPerSec), '', '']);
}

if (!process.argv.includes('--no-redis')) {
  for (const c of [1, 3, 50]) {
    const pr = measure('phaseq-redis-drain', c);
    const b = measure('bullmq-drain', c);
    rows.push([`Redis: drain at concurrency ${c}, phaseq/bullmq vs BullMQ 6.7, jobs/s`, fmt(pr.jobsPerSec), `BullMQ ${fmt(b.jobsPerSec)}`, ratio(pr.jobsPerSec, b.jobsPerSec)]);
  }
}

const lat = measure('phaseq-latency');
rows.push(['enqueue-to-start p50 / p99, same process (ms)', `${fmt(lat.p50Ms, 3)} / ${fmt(lat.p99Ms, 3)}`, '', '']);
const xlat = measure('phaseq-latency-xproc');
rows.push(['enqueue-to-start p50 / p99, other process (ms)', `${fmt(xlat.p50Ms, 1)} / ${fmt(xlat.p99Ms, 1)}`, '', '']);
const cpu = measure('phaseq-idle-cpu');
rows.push(['idle started queue, CPU %', fmt(cpu.cpuPercent, 2), '', '']);

const table = [
  '| figure | phaseq | plainjob 0.0.14 | ratio |',
  '| --- | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
console.log(table);
if (OUT) {
  writeFileSync(
    OUT,
    `# Benchmarks\n\nProduced by \`npm run bench -- --out docs/benchmarks.md\` on ${new Date().toISOString().slice(0, 10)}: ` +
      `${JOBS} no-op jobs on a WAL SQLite file in a temp dir, each scenario in its own process, median of ${RUNS} runs, ` +
      `${cpus().length} cores, Node ${process.version}. Shared machines are noisy: read the ratios (measured side by side in the same run), not the absolute figures.\n\n${table}\n`,
  );
}
