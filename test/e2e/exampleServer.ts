/**
 * Starts the example server the way its README says (`npm start`, with PORT and
 * PHASEQ_DATA), waits for its "listening" line, and stops it like a terminal or a
 * service manager does: SIGTERM to its whole process group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface RunningServer {
  url: string;
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM to the process group; resolves when every process of it has exited. */
  stop(): Promise<void>;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startExampleServer(env: Record<string, string>): Promise<RunningServer> {
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env },
    // Its own process group, so that a signal reaches npm, tsx and node together.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const pid = child.pid!;
  const url = await new Promise<string>((resolve, reject) => {
    const check = (): void => {
      const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
      if (match?.[1]) {
        child.stdout!.off('data', check);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code, signal) => reject(new Error(`example server exited early (${code ?? signal}):\n${output}`)));
  });
  return {
    url,
    child,
    output: () => output,
    async stop() {
      if (!groupAlive(pid)) return;
      process.kill(-pid, 'SIGTERM');
      // Bounded by the test's timeout: a server that does not stop fails the test.
      while (groupAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
    },
  };
}
