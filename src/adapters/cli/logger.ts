/**
 * The command line's pino logger: one JSON object per line, so that `phaseq worker | jq`
 * and log shippers get structured records; human lines on a terminal when `pino-pretty`
 * is installed (an optional peer: `npm install pino-pretty`, or pipe into `npx pino-pretty`).
 * The library itself never needs it. Writes are synchronous: a worker that exits right
 * after a signal must not lose its last lines.
 */
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Level, type Logger } from 'pino';

/** Options of {@link createCliLogger}. */
export interface CliLoggerOptions {
  /** Lowest level written. @default 'info' */
  level?: Level | 'silent';
  /**
   * Where records go: `1` stdout (the worker: logging is its output), `2` stderr (every
   * other command, whose stdout carries data).
   * @default 1
   */
  fd?: 1 | 2;
}

/** pino-pretty's factory, as far as this file uses it. */
type PrettyFactory = (options: Record<string, unknown>) => DestinationStream;

/** pino-pretty when it is installed next to phaseq, else null (JSON lines then). */
function loadPretty(): PrettyFactory | null {
  try {
    const mod = createRequire(import.meta.url)('pino-pretty') as PrettyFactory | { default: PrettyFactory };
    return typeof mod === 'function' ? mod : mod.default;
  } catch (error) {
    // Not installed: JSON lines are the documented output. Any other failure is a fault.
    if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND') return null;
    throw error;
  }
}

/** Creates the logger handed to the queue (handlers log through children of it). */
export function createCliLogger(options: CliLoggerOptions = {}): Logger {
  const fd = options.fd ?? 1;
  const level = options.level ?? 'info';
  const tty = (fd === 1 ? process.stdout : process.stderr).isTTY === true;
  const pretty = tty ? loadPretty() : null;
  const stream = pretty
    ? pretty({ destination: fd, sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
    : pino.destination({ dest: fd, sync: true });
  return pino({ name: 'phaseq', level }, stream);
}
