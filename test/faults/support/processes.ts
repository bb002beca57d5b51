/**
 * Child processes for the fault suite. Fixtures are bundled once with esbuild (packages
 * stay external) so that a child starts in a few hundred milliseconds: the chaos test
 * starts a new worker every ~2 s on two cores, and compiling TypeScript at every start
 * would leave most workers still booting when they are killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(import.meta.dirname, '../../..');
// Inside node_modules so that the bundle's bare imports resolve to the project's packages.
const OUT_DIR = join(ROOT, 'node_modules/.cache/phaseq-faults');
const built = new Map<string, Promise<string>>();

/**
 * Bundles `test/faults/fixtures/<fixture>` (once per run); resolves to the bundle's path.
 * The file is named by the hash of its content and written by rename, so runs share it
 * safely and stale versions do not pile up.
 */
export function bundleFixture(fixture: string): Promise<string> {
  let out = built.get(fixture);
  if (!out) {
    out = build({
      entryPoints: [join(import.meta.dirname, '../fixtures', fixture)],
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'error',
      write: false,
    }).then((result) => {
      const text = result.outputFiles[0]!.text;
      const hash = createHash('sha1').update(text).digest('hex').slice(0, 12);
      const outfile = join(OUT_DIR, `${fixture.replace(/\.ts$/, '')}-${hash}.mjs`);
      if (!existsSync(outfile)) {
        mkdirSync(OUT_DIR, { recursive: true });
        const tmp = `${outfile}.${process.pid}.tmp`;
        writeFileSync(tmp, text);
        renameSync(tmp, outfile);
      }
      return outfile;
    });
    built.set(fixture, out);
  }
  return out;
}

/** A running child with its captured stdout. */
export interface Child {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Every complete stdout line so far. */
  readonly lines: string[];
  /** Resolves with the exit code (null when killed by a signal) and the time of exit. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** Spawns a bundled fixture (see {@link bundleFixture}) with `args` and extra `env`. */
export async function spawnFixture(fixture: string, args: string[], env: Record<string, string> = {}): Promise<Child> {
  const file = await bundleFixture(fixture);
  const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const lines: string[] = [];
  let partial = '';
  child.stdout.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, pid: child.pid ?? -1, lines, exited };
}

/** True while the child has neither exited nor been killed. */
export function isAlive(c: Child): boolean {
  return c.child.exitCode === null && c.child.signalCode === null;
}

/** Kills every child that is still running (SIGKILL): for afterEach. */
export function killAll(children: Iterable<Child>): void {
  for (const c of children) if (isAlive(c)) c.child.kill('SIGKILL');
}
