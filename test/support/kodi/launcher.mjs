/**
 * Runs INSIDE the Kodi test instance's own network namespace (started by `kodi.ts` as
 * `unshare --net -- setpriv --pdeathsig SIGTERM -- node launcher.mjs <config.json>`).
 *
 * 1. Network: loopback up, plus a veth pair whose both ends stay in this namespace with a
 *    private /30. Kodi starts its web server only when it sees a connected interface other
 *    than loopback; both ends being here means no packet can leave, and there is no route
 *    to anywhere else (DNS lookups of hosts named in NFOs fail at once).
 * 2. Xvfb (`-displayfd` picks a free display) and `kodi.bin --standalone`, each under
 *    `setpriv --pdeathsig SIGKILL`, so they die with this process whatever kills it.
 * 3. A relay from a Unix socket (in the instance folder, reachable from the test's
 *    namespace) to Kodi's web server on 127.0.0.1 here: the test's only way in.
 * 4. Commands on stdin, one JSON object a line, answered on stdout:
 *    `{"cmd":"stop-kodi"}`, `{"cmd":"start-kodi"}`, `{"cmd":"probe","host":"…","port":n}`.
 *    When stdin ends (the test process finished or was killed) or on SIGTERM/SIGINT/SIGHUP:
 *    Kodi is stopped, Xvfb killed, the instance folder removed, and the process exits.
 *
 * Plain JavaScript (no build step): it is started with `node` in a fresh namespace.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import readline from 'node:readline';

/** @type {{ home: string, dir: string, socketPath: string, port: number, kodiBin: string, xvfb: string, logFile: string, removeOnExit: boolean }} */
const config = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8'));

// The test process may be gone (that is when this process cleans up): a write to its
// closed pipe must not crash the clean-up.
process.stdout.on('error', () => undefined);

/** @param {unknown} message */
function send(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function setUpNetwork() {
  const steps = [
    ['link', 'set', 'lo', 'up'],
    ['link', 'add', 'phq0', 'type', 'veth', 'peer', 'name', 'phq1'],
    ['addr', 'add', '10.254.0.1/30', 'dev', 'phq0'],
    ['link', 'set', 'phq1', 'up'],
    ['link', 'set', 'phq0', 'up'],
  ];
  for (const args of steps) {
    const run = spawnSync('ip', args, { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${run.stderr || run.error?.message}`);
  }
}

const log = createWriteStream(config.logFile, { flags: 'a' });
/** @type {import('node:child_process').ChildProcess | null} */
let xvfb = null;
/** @type {import('node:child_process').ChildProcess | null} */
let kodi = null;
let display = '';
let stopping = false;

/** Starts Xvfb and resolves with its display number. */
function startXvfb() {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'setpriv',
      ['--pdeathsig', 'SIGKILL', '--', config.xvfb, '-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x720x24'],
      // Own process group: nothing Kodi or Xvfb signal to their group can reach this process.
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], detached: true },
    );
    xvfb = child;
    child.stderr?.pipe(log, { end: false });
    let out = '';
    child.stdio[3]?.on('data', (chunk) => {
      out += String(chunk);
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!out.includes('\n')) reject(new Error(`Xvfb exited with ${code} before naming its display`));
      else if (!stopping) send({ event: 'xvfb-exit', code });
    });
  });
}

function startKodi() {
  const child = spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', config.kodiBin, '--standalone'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: {
      ...process.env,
      HOME: config.home,
      DISPLAY: `:${display}`,
      KODI_AE_SINK: 'ALSA',
      // No session bus in here: without this libdbus waits for one on every call.
      DBUS_SESSION_BUS_ADDRESS: 'disabled:',
    },
  });
  kodi = child;
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  child.once('exit', (code, signal) => {
    if (kodi === child) kodi = null;
    if (!stopping) send({ event: 'kodi-exit', code, signal });
  });
  return child;
}

/** Stops Kodi (SIGTERM, SIGKILL after 20 s) and resolves with the milliseconds it took. */
function stopKodi() {
  const child = kodi;
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve(0);
  const started = Date.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
    child.kill('SIGTERM');
  });
}

/** Ends Xvfb and waits for it (so that no zombie outlives this process). */
function stopXvfb() {
  const child = xvfb;
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    child.kill('SIGTERM');
  });
}

const relay = net.createServer((inbound) => {
  const outbound = net.connect(config.port, '127.0.0.1');
  inbound.pipe(outbound).pipe(inbound);
  // Kodi down (connection refused) or a side hanging up: end both, the client sees a reset.
  outbound.on('error', () => inbound.destroy());
  inbound.on('error', () => outbound.destroy());
});

/** Tries a TCP connection from inside the namespace: proves nothing can leave it. */
function probe(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 3000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve({ connected: true });
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve({ connected: false, error: 'timeout' });
    });
    socket.once('error', (error) => resolve({ connected: false, error: /** @type {NodeJS.ErrnoException} */ (error).code }));
  });
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  const kodiStopMs = await stopKodi();
  await stopXvfb();
  relay.close();
  if (config.removeOnExit) rmSync(config.dir, { recursive: true, force: true });
  send({ event: 'stopped', kodiStopMs });
  log.end();
  process.exitCode = code;
  // Leave once stdout is flushed; the children are gone or have their death signal.
  setTimeout(() => process.exit(code), 50).unref();
}

// `on`, not `once`: the parent-death signal can arrive more than once (seen: three
// SIGTERMs), and a second one without a handler would kill this process mid-clean-up.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => void shutdown(0));
process.on('uncaughtException', (error) => {
  log.write(`launcher: ${error.stack ?? error}\n`);
  void shutdown(1);
});

const commands = readline.createInterface({ input: process.stdin });
commands.on('line', (line) => {
  void (async () => {
    const { cmd, id, host, port } = JSON.parse(line);
    if (cmd === 'stop-kodi') send({ id, ok: true, ms: await stopKodi() });
    else if (cmd === 'start-kodi') send({ id, ok: true, kodiPid: startKodi().pid });
    else if (cmd === 'probe') send({ id, ok: true, ...(await probe(host, port)) });
    else send({ id, ok: false, error: `unknown command ${cmd}` });
  })().catch((error) => send({ id: null, ok: false, error: String(error) }));
});
// The test process is gone (finished, crashed or SIGKILLed): take everything down.
commands.on('close', () => void shutdown(0));

try {
  setUpNetwork();
  display = await startXvfb();
  await new Promise((resolve, reject) => {
    relay.once('error', reject);
    relay.listen(config.socketPath, () => resolve(undefined));
  });
  const child = startKodi();
  send({ event: 'ready', display: Number(display), kodiPid: child.pid });
} catch (error) {
  send({ event: 'error', error: String(error instanceof Error ? error.message : error) });
  await shutdown(1);
}
