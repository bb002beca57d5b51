/**
 * One sync's conversation with Kodi: its JSON-RPC client, its deadline, and the waits every
 * step shares. Kodi's library scan is a toggle — a `VideoLibrary.Scan` that arrives while
 * Kodi scans (or cleans) stops that work and starts nothing — and Scan, Clean and the
 * Refresh methods answer "OK" at once and work in the background, so every scan here is
 * started only while Kodi is idle and waited for until it is idle again.
 */
import { PlayerError } from '../errors.js';
import type { KodiPlayerConfig } from '../types.js';
import { KodiRpc } from './kodiRpc.js';
import { mapPath, withTrailingSeparator } from './pathMap.js';

/** @default for {@link KodiSessionOptions.timeoutMs} */
const DEFAULT_TIMEOUT_MS = 600_000;
/** @default for {@link KodiSessionOptions.pollMs} */
const DEFAULT_POLL_MS = 250;

/** Options of a {@link KodiSession}. */
export interface KodiSessionOptions {
  /** Longest wait for a busy Kodi to become idle, and for its scans. @default 600_000 */
  timeoutMs?: number | undefined;
  /** Pause between two looks at a scanning Kodi. @default 250 */
  pollMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** The folder Kodi is asked to scan for a library: the library root in Kodi's notation, ending with a separator. */
export function kodiLibraryDirectory(config: KodiPlayerConfig, libraryPath: string): string {
  return withTrailingSeparator(mapPath(libraryPath, config.pathMap));
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The JSON-RPC client of one sync with the waits it needs.
 *
 * @example
 * ```ts
 * const session = new KodiSession(config, { timeoutMs: 60_000, signal });
 * await session.waitUntilIdle('before the sync');
 * await session.scan('/srv/tv/');
 * ```
 */
export class KodiSession {
  readonly config: KodiPlayerConfig;
  readonly rpc: KodiRpc;
  readonly pollMs: number;
  readonly timeoutMs: number;
  /** Epoch ms past which a wait fails. */
  readonly deadline: number;
  readonly #signal: AbortSignal | undefined;

  constructor(config: KodiPlayerConfig, options: KodiSessionOptions = {}) {
    this.config = config;
    this.rpc = new KodiRpc(config, options.signal);
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.deadline = Date.now() + this.timeoutMs;
    this.#signal = options.signal;
  }

  /** An answer that is not what the method returns: Kodi answers `null` while it shuts down (seen on 20.1). */
  unexpected(method: string, answer: unknown): PlayerError {
    return new PlayerError(this.config.name, '/jsonrpc', null, `${method} answered ${JSON.stringify(answer)} (is Kodi shutting down?)`);
  }

  /** Waits one poll interval (abortable). */
  pause(): Promise<void> {
    return pause(this.pollMs, this.#signal);
  }

  /** Whether Kodi is scanning or cleaning its video library (`Library.IsScanningVideo`). */
  async isScanning(): Promise<boolean> {
    const method = 'XBMC.GetInfoBooleans';
    const answer = await this.rpc.call(method, { booleans: ['Library.IsScanningVideo'] });
    const value =
      typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>)['Library.IsScanningVideo'] : undefined;
    if (typeof value !== 'boolean') throw this.unexpected(method, answer);
    return value;
  }

  /**
   * Waits until Kodi neither scans nor cleans.
   *
   * @throws PlayerError when it is still busy at the deadline
   */
  async waitUntilIdle(what: string): Promise<void> {
    while (await this.isScanning()) {
      if (Date.now() > this.deadline) {
        throw new PlayerError(
          this.config.name,
          '/jsonrpc',
          null,
          `Kodi was still scanning ${what} after ${Math.round(this.timeoutMs / 1000)} s`,
        );
      }
      await this.pause();
    }
  }

  /**
   * Scans one folder (in Kodi's notation, ending with a separator): started while idle,
   * waited for. The first look comes one poll interval after Kodi accepted the scan: right
   * after it, Kodi 20.1 sometimes still answers "not scanning" while the scan runs (seen in
   * 2 of 200 scans of a new show, whose episodes were listed before the show was), and a
   * read-back then would find the scan half done.
   */
  async scan(directory: string): Promise<void> {
    await this.waitUntilIdle(`before the scan of ${directory}`);
    await this.rpc.call('VideoLibrary.Scan', { directory, showdialogs: false });
    await this.pause();
    await this.waitUntilIdle(`(its scan of ${directory})`);
  }

  /** Cleans one folder's entries whose files are gone, waited for like a scan. */
  async clean(directory: string): Promise<void> {
    await this.rpc.call('VideoLibrary.Clean', { directory, showdialogs: false });
    await this.pause();
    await this.waitUntilIdle(`(cleaning ${directory})`);
  }
}
