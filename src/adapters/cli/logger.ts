/**
 * The command line's pino logger: human lines (pino-pretty) when the destination is a
 * terminal, one JSON object per line otherwise, so that `phaseq worker | jq` and log
 * shippers get structured records. Writes are synchronous: a worker that exits right
 * after a signal must not lose its last lines.
 */
import { pino, type Level, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

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

/** Creates the logger handed to the queue (handlers log through children of it). */
export function createCliLogger(options: CliLoggerOptions = {}): Logger {
  const fd = options.fd ?? 1;
  const level = options.level ?? 'info';
  const tty = (fd === 1 ? process.stdout : process.stderr).isTTY === true;
  const stream = tty
    ? pinoPretty({ destination: fd, sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
    : pino.destination({ dest: fd, sync: true });
  return pino({ name: 'phaseq', level }, stream);
}
