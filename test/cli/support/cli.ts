/**
 * Test support: runs the built `phaseq` bin (dist/cli.js) as a child process, in a temp
 * directory of its own, and waits for its output.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The built bin, as package.json's `bin` names it. */
export const BIN = path.join(ROOT, 'dist/cli.js');
/** The test plugin module. */
export const TEST_PLUGIN = path.join(ROOT, 'test/cli/fixtures/testPlugin.mjs');

/** Fails early with a clear message when the bin was not built. */
export function requireBin(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npm run build" first (npm test does it)`);
}

/** A fresh temp directory. */
export function tempDir(prefix = 'phaseq-cli-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** What a finished run printed and returned. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `phaseq <args>` in `cwd` to the end. */
export function runCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, cwd, env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Starts `phaseq <args>` and returns the child (stdin closed). */
export function spawnCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  child.stdin.end();
  return child;
}

/** A long-running child whose output is collected as it comes. */
export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line that satisfies `match`. */
  waitForLine(match: (line: string) => boolean): Promise<string>;
  /** Resolves when the process has exited. */
  exited: Promise<CliResult>;
}

/** Starts `phaseq <args>` and follows its output. */
export function startCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawnCli(args, cwd, env);
  let out = '';
  let err = '';
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  const scan = (): void => {
    for (const line of out.split('\n')) {
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    scan();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForLine: (match) =>
      new Promise<string>((resolve, reject) => {
        waiters.push({ match, resolve });
        scan();
        void exited.then((r) => reject(new Error(`exited (${r.code}) before the line came; stderr: ${r.stderr}; stdout: ${r.stdout}`)));
      }),
    exited,
  };
}

/** Parses JSON log lines (pino writes JSON when stdout is not a terminal). */
export function logRecords(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Resolves once `condition()` holds, checked every 25 ms. */
export async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((r) => setTimeout(r, 25));
}
