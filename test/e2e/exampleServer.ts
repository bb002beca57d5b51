/**
 * Starts the example server the way its README says (`npm start`, with PORT and
 * PHASEQ_DATA), waits for its "listening" line, and stops it with a signal to the server
 * process (its pid is in every log line), then waits for npm to exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createExampleApp, type ExampleApp } from '../../examples/server/app.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface RunningServer {
  url: string;
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** The pid of the server process itself (npm and its shell are its parents). */
  serverPid: number;
  /**
   * Sends `signal` (default SIGTERM) to the server process; resolves with npm's exit code
   * once every process of the group has exited. Nothing left running: null.
   */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
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
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const pid = child.pid!;
  // 'close', not 'exit': the last lines the server wrote may still be in the pipe at 'exit'.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const [url, serverPid] = await new Promise<[string, number]>((resolve, reject) => {
    const check = (): void => {
      const line = output.split('\n').find((l) => l.includes('listening on http'));
      if (line) {
        child.stdout.off('data', check);
        const log = JSON.parse(line) as { pid: number; msg: string };
        resolve([/listening on (\S+)/.exec(log.msg)![1]!, log.pid]);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code, signal) => reject(new Error(`example server exited early (${code ?? signal}):\n${output}`)));
  });
  return {
    url,
    child,
    serverPid,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (!groupAlive(pid)) return null;
      process.kill(serverPid, signal);
      // Bounded by the test's timeout: a server that does not stop fails the test.
      const code = await exited;
      while (groupAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
      return code;
    },
  };
}

/** Debian's Chromium: tests never download a browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Launches Debian's Chromium headless with the flags this machine's closed network needs. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** The example server on a fresh data dir, and a page that has opened its dashboard. */
export interface OpenDashboard {
  server: RunningServer;
  browser: Browser;
  page: Page;
  dataDir: string;
  close(): Promise<void>;
}

/** Launches Chromium and opens the dashboard at `url` once its event stream is live. */
export async function openPage(url: string): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await page.goto(url);
    await page.locator('#connection[data-state="live"]').waitFor();
    return { browser, page };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** Starts the example server (extra `env` allowed) and opens its dashboard once its event stream is live. */
export async function openDashboard(env: Record<string, string> = {}): Promise<OpenDashboard> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'phaseq-e2e-'));
  const server = await startExampleServer({ PHASEQ_DATA: dataDir, ...env });
  let browser: Browser;
  let page: Page;
  try {
    ({ browser, page } = await openPage(server.url));
  } catch (error) {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    server,
    browser,
    page,
    dataDir,
    close: async () => {
      await browser.close();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The example app running in the test's own process: its queue is at hand. */
export interface InProcessServer {
  url: string;
  example: ExampleApp;
  dataDir: string;
  /** Closes every connection (event streams too), stops the app and removes its data. */
  stop(): Promise<void>;
}

/**
 * Builds the example app as `npm start` does, in this process, so that a test can do what
 * a host does with its queue (`setup`: e.g. `queue.use()` a plugin of job types with
 * limits) before serving it on a free loopback port.
 */
export async function startExampleInProcess(setup?: (example: ExampleApp) => void | Promise<void>): Promise<InProcessServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'phaseq-e2e-'));
  const example = await createExampleApp({ dataDir, logger: pino({ level: 'silent' }) });
  let server: Server | undefined;
  const stop = async (): Promise<void> => {
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    }
    await example.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await setup?.(example);
    server = await new Promise<Server>((resolve, reject) => {
      const s = example.app.listen(0, '127.0.0.1', () => resolve(s)).once('error', reject);
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, example, dataDir, stop };
}
