/**
 * A host script that drives phaseq through its command line only:
 * `npx tsx examples/cli/main.ts [workdir]` (build first: `npm run build`).
 *
 * It migrates a database, starts `phaseq worker --plugin ./greetPlugin.mjs` as a child
 * process, adds three `greet` jobs with `phaseq add` (and shows that a bad payload is
 * refused with exit code 2), waits until `phaseq stats --json` shows nothing left,
 * stops the worker with SIGTERM, and prints the greetings the worker wrote.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// Find the bin the way a host does: through phaseq's own package.json.
const require = createRequire(import.meta.url);
const pkgFile = require.resolve('phaseq/package.json');
const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { bin: { phaseq: string } };
const bin = path.resolve(path.dirname(pkgFile), pkg.bin.phaseq);
const plugin = path.join(here, 'greetPlugin.mjs');

const workdir = path.resolve(process.argv[2] ?? mkdtempSync(path.join(tmpdir(), 'phaseq-cli-example-')));
const outDir = path.join(workdir, 'greetings');
mkdirSync(outDir, { recursive: true });
const db = ['--db', path.join(workdir, 'phaseq.db')];

/** Runs `phaseq <args>`; resolves with its exit code and output. */
function phaseq(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], (error, stdout, stderr) => {
      const code = error && typeof error.code === 'number' ? error.code : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function must(args: string[]): Promise<string> {
  const result = await phaseq(args);
  if (result.code !== 0) throw new Error(`phaseq ${args[0]} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout.trim();
}

console.log(await must(['migrate', ...db]));

const worker = spawn(process.execPath, [bin, 'worker', '--plugin', plugin, '--concurrency', '2', ...db], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const workerDone = new Promise<number | null>((resolve) => worker.on('close', resolve));
// The worker logs one JSON object per line (its stdout is not a terminal); wait for "worker ready".
await new Promise<void>((resolve, reject) => {
  let seen = '';
  worker.stdout.on('data', (chunk: Buffer) => {
    seen += chunk.toString();
    if (seen.includes('"worker ready"')) resolve();
  });
  void workerDone.then((code) => reject(new Error(`worker exited early with code ${code}`)));
});
worker.stdout.resume();

for (const name of ['Ada', 'Grace', 'Linus']) {
  const id = await must(['add', 'greet', '--plugin', plugin, '--payload', JSON.stringify({ name, outDir }), ...db]);
  console.log(`added greet ${name} as job ${id}`);
}
const refused = await phaseq(['add', 'greet', '--plugin', plugin, '--payload', JSON.stringify({ name: '', outDir }), ...db]);
console.log(`a bad payload is refused with exit code ${refused.code}: ${refused.stderr.trim()}`);

for (;;) {
  const stats = JSON.parse(await must(['stats', '--json', ...db])) as { pending: number; delayed: number; processing: number };
  if (stats.pending + stats.delayed + stats.processing === 0) break;
  await new Promise((r) => setTimeout(r, 100));
}
worker.kill('SIGTERM');
console.log(`worker stopped with exit code ${await workerDone}`);

for (const name of ['Ada', 'Grace', 'Linus']) process.stdout.write(readFileSync(path.join(outDir, `${name}.txt`), 'utf8'));
