/**
 * A real Kodi 20 for tests: `startKodi()` starts `kodi.bin` under Xvfb in a fresh profile,
 * inside its own network namespace with no way out, and hands back a URL on 127.0.0.1
 * that reaches its web server through a Unix-socket bridge.
 *
 *   test process ── 127.0.0.1:<random> ── (relay here) ── instance/kodi.sock ──
 *     ── (relay in launcher.mjs, inside the namespace) ── 127.0.0.1:8080 Kodi
 *
 * Clean-up on every exit path: `close()` stops everything and removes the instance
 * folder; if the test process dies instead (a failed hook, SIGKILL), the launcher sees its
 * stdin close (or gets SIGTERM as its parent-death signal) and does the same; Kodi and
 * Xvfb carry SIGKILL as parent-death signal, and the namespace disappears with its last
 * process.
 *
 * @example
 * ```ts
 * const kodi = await startKodi({ sources: [{ path: library }] });
 * try { ... await kodiMovies(kodi) ... } finally { await kodi.close(); }
 * ```
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { seedSources, videoDatabaseFile, writeProfile, type KodiSource } from './profile.js';
import { kodiRpc, type KodiEndpoint } from './rpc.js';

export type { KodiSource } from './profile.js';

/** Where Debian installs Kodi's binary (the `kodi` wrapper script only adds crash handling). */
export const KODI_BIN = '/usr/lib/x86_64-linux-gnu/kodi/kodi.bin';
const XVFB = '/usr/bin/Xvfb';
const LAUNCHER = path.join(import.meta.dirname, 'launcher.mjs');

/** Options of {@link startKodi}. */
export interface StartKodiOptions {
  /** Library sources, each with the content Kodi should scan it as. */
  sources: readonly KodiSource[];
  /** @default 'kodi' */
  username?: string;
  /** @default 'phaseq-test' */
  password?: string;
  /** How long to wait for the web server. @default 60_000 */
  startTimeoutMs?: number;
}

/** Timings of one instance, for the docs. */
export interface KodiTimings {
  /** From spawning the launcher to the first JSON-RPC answer. */
  startMs: number;
}

/** A running test Kodi. */
export interface KodiInstance extends KodiEndpoint {
  /** The profile folder (`$HOME` of Kodi); removed by `close()`. */
  readonly home: string;
  /** Kodi's log (`~/.kodi/temp/kodi.log`), handy when a test fails. */
  readonly logFile: string;
  readonly timings: KodiTimings;
  /** Process id of the running `kodi.bin` (it changes with {@link startKodi}). */
  kodiPid(): number;
  /** Calls one JSON-RPC method. */
  rpc<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  /** Stops Kodi (SIGTERM), keeping the namespace, bridge and profile; resolves with the ms it took. */
  stopKodi(): Promise<number>;
  /** Starts Kodi again on the same profile and waits for its web server; resolves with the ms it took. */
  startKodi(): Promise<number>;
  /** Tries a TCP connection from inside Kodi's namespace (to prove nothing gets out). */
  probe(host: string, port: number): Promise<{ connected: boolean; error?: string }>;
  /** Stops Kodi and Xvfb, removes the namespace and the profile; resolves with Kodi's stop time in ms. */
  close(): Promise<number>;
}

/** Whether this machine can run the real-Kodi tests, and if not, what is missing. */
export function kodiPrerequisites(): string[] {
  const missing: string[] = [];
  for (const [file, pkg] of [
    [KODI_BIN, 'kodi'],
    [XVFB, 'xvfb'],
    ['/usr/bin/ffmpeg', 'ffmpeg'],
    ['/usr/bin/unshare', 'util-linux'],
    ['/usr/bin/setpriv', 'util-linux'],
  ] as const) {
    if (!existsSync(file)) missing.push(`${file} (package ${pkg})`);
  }
  if (!existsSync('/usr/sbin/ip') && !existsSync('/sbin/ip') && !existsSync('/usr/bin/ip')) missing.push('ip (package iproute2)');
  return missing;
}

/** Starts Kodi; see the module comment. */
export async function startKodi(options: StartKodiOptions): Promise<KodiInstance> {
  const dir = mkdtempSync(path.join(tmpdir(), 'phaseq-kodi-'));
  const home = path.join(dir, 'home');
  const socketPath = path.join(dir, 'kodi.sock');
  const username = options.username ?? 'kodi';
  const password = options.password ?? 'phaseq-test';
  const port = 8080;
  writeProfile(home, { port, username, password }, options.sources);
  const configFile = path.join(dir, 'launcher.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      home,
      dir,
      socketPath,
      port,
      kodiBin: KODI_BIN,
      xvfb: XVFB,
      logFile: path.join(dir, 'launcher.log'),
      removeOnExit: true,
    }),
  );

  const started = Date.now();
  // Root creates the network namespace directly; anyone else needs a user namespace too.
  const unshare = process.getuid?.() === 0 ? ['--net'] : ['--user', '--map-root-user', '--net'];
  const child: ChildProcessWithoutNullStreams = spawn(
    'unshare',
    [...unshare, '--', 'setpriv', '--pdeathsig', 'SIGTERM', '--', process.execPath, LAUNCHER, configFile],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // The worker exiting without close() (a crashed test file): the launcher must not outlive it.
  const onExit = (): void => void child.kill('SIGTERM');
  process.once('exit', onExit);

  let nextCommand = 1;
  const answers = new Map<number, (answer: Record<string, unknown>) => void>();
  let ready: (value: Record<string, unknown>) => void = () => undefined;
  const readyEvent = new Promise<Record<string, unknown>>((resolve) => (ready = resolve));
  let stopEvent: (value: Record<string, unknown>) => void = () => undefined;
  const stoppedEvent = new Promise<Record<string, unknown>>((resolve) => (stopEvent = resolve));
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof message['id'] === 'number') answers.get(message['id'])?.(message);
    else if (message['event'] === 'ready' || message['event'] === 'error') ready(message);
    else if (message['event'] === 'stopped') stopEvent(message);
  });
  const command = (cmd: Record<string, unknown>): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      const id = nextCommand++;
      answers.set(id, resolve);
      child.stdin.write(`${JSON.stringify({ ...cmd, id })}\n`);
    });

  // The bridge's host end: each connection is piped to the launcher's Unix socket.
  const connections = new Set<net.Socket>();
  const bridge = net.createServer((inbound) => {
    connections.add(inbound);
    inbound.once('close', () => connections.delete(inbound));
    const outbound = net.connect(socketPath);
    inbound.pipe(outbound).pipe(inbound);
    outbound.on('error', () => inbound.destroy());
    inbound.on('error', () => outbound.destroy());
  });
  await new Promise<void>((resolve) => bridge.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(bridge.address() as net.AddressInfo).port}`;
  const endpoint: KodiEndpoint = { url, username, password };

  let closed = false;
  const close = async (): Promise<number> => {
    if (closed) return 0;
    closed = true;
    process.off('exit', onExit);
    child.stdin.end();
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const stopped: Record<string, unknown> = await Promise.race([stoppedEvent, exited.then(() => ({}))]);
    await exited;
    clearTimeout(kill);
    // Keep-alive sockets of the test's HTTP client would hold the server open.
    for (const socket of connections) socket.destroy();
    await new Promise<void>((resolve) => bridge.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
    return Number(stopped['kodiStopMs'] ?? 0);
  };

  const waitForWebServer = async (timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await kodiRpc(endpoint, 'JSONRPC.Ping', {}, 2000);
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`Kodi did not answer within ${timeoutMs} ms: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  try {
    const first: Record<string, unknown> = await Promise.race([
      readyEvent,
      exited.then(() => ({ event: 'error', error: `launcher exited: ${stderr}` })),
    ]);
    if (first['event'] !== 'ready') throw new Error(`Kodi launcher failed: ${String(first['error'])}`);
    await waitForWebServer(options.startTimeoutMs ?? 60_000);
    const startMs = Date.now() - started;
    let kodiPid = Number(first['kodiPid']);
    seedSources(videoDatabaseFile(home), options.sources);
    return {
      ...endpoint,
      home,
      logFile: path.join(home, '.kodi', 'temp', 'kodi.log'),
      timings: { startMs },
      kodiPid: () => kodiPid,
      rpc: (method, params) => kodiRpc(endpoint, method, params),
      async stopKodi() {
        const answer = await command({ cmd: 'stop-kodi' });
        return Number(answer['ms']);
      },
      async startKodi() {
        const t0 = Date.now();
        const answer = await command({ cmd: 'start-kodi' });
        kodiPid = Number(answer['kodiPid']);
        await waitForWebServer(options.startTimeoutMs ?? 60_000);
        return Date.now() - t0;
      },
      async probe(host, probePort) {
        const answer = await command({ cmd: 'probe', host, port: probePort });
        return { connected: answer['connected'] === true, ...(answer['error'] ? { error: String(answer['error']) } : {}) };
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
