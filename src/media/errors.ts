/**
 * Typed errors of the media pipeline. Each names what failed (provider, player, path)
 * and keeps the HTTP status so a handler can decide between retrying and giving up.
 */
import { PhaseqError } from '../index.js';

/** Statuses worth retrying: the server or the network may recover. */
function isTransient(status: number | null): boolean {
  return status === null || status === 408 || status === 429 || status >= 500;
}

/**
 * A metadata provider (or the artwork host behind it) failed: network error, non-2xx
 * status, or an answer of the wrong shape.
 */
export class ProviderError extends PhaseqError {
  /** Provider name, e.g. `tmdb`. */
  readonly provider: string;
  /** HTTP status, or null for network errors, aborts and unreadable answers. */
  readonly status: number | null;
  /** URL path that failed (without the api key), or the file read. */
  readonly path: string;
  constructor(provider: string, path: string, status: number | null, message: string, options?: { cause?: unknown; code?: string }) {
    super(
      options?.code ?? 'PROVIDER_ERROR',
      `${provider}: ${message} (${path}${status === null ? '' : `, HTTP ${status}`})`,
      options && 'cause' in options ? { cause: options.cause } : undefined,
    );
    this.provider = provider;
    this.path = path;
    this.status = status;
  }
  /** True when a later attempt may succeed (network error, 408, 429, 5xx). */
  get transient(): boolean {
    return isTransient(this.status);
  }
}

/**
 * The provider refused its credential (HTTP 401): no call can succeed until the key or
 * token is replaced, so the job fails at once (`transient` is false) and the provider
 * refuses further calls without asking again. Code `PROVIDER_CREDENTIALS`; the message
 * names the kind of credential, never its value.
 */
export class ProviderCredentialsError extends ProviderError {
  constructor(provider: string, path: string, message: string, options?: { cause?: unknown }) {
    super(provider, path, 401, message, { ...options, code: 'PROVIDER_CREDENTIALS' });
  }
}

/** A media player refused or did not answer a notification (non-2xx, JSON-RPC error, network). */
export class PlayerError extends PhaseqError {
  /** Configured player name. */
  readonly player: string;
  /** URL path called, e.g. `/jsonrpc`. */
  readonly path: string;
  /** HTTP status, or null for network errors and aborts. */
  readonly status: number | null;
  /** Kodi only: the JSON-RPC `error` member when the call failed at the RPC level. */
  readonly rpcError?: { code: number; message: string };
  constructor(
    player: string,
    path: string,
    status: number | null,
    message: string,
    options?: { cause?: unknown; rpcError?: { code: number; message: string } },
  ) {
    super('PLAYER_ERROR', `player "${player}": ${message} (${path}${status === null ? '' : `, HTTP ${status}`})`, options);
    this.player = player;
    this.path = path;
    this.status = status;
    if (options?.rpcError) this.rpcError = options.rpcError;
  }
  /** True when a later attempt may succeed (network error, 408, 429, 5xx). */
  get transient(): boolean {
    return isTransient(this.status);
  }
}

/**
 * A player sync ran, but the player does not hold what was published: movies, shows or
 * episodes it still lacks after its scan (or refresh), or removed ones it still lists.
 * The attempt fails, so the queue's retries apply; what the player did confirm is
 * recorded before.
 */
export class PlayerSyncIncompleteError extends PhaseqError {
  /** Configured player name. */
  readonly player: string;
  /** Video files and show folders (as the library sees them) the player does not hold as it should. */
  readonly missing: readonly string[];
  constructor(player: string, missing: readonly string[], detail: string) {
    const shown = missing
      .slice(0, 5)
      .map((file) => `"${file}"`)
      .join(', ');
    const more = missing.length > 5 ? ` and ${missing.length - 5} more` : '';
    super(
      'PLAYER_SYNC_INCOMPLETE',
      `player "${player}": ${missing.length} file(s) or show folder(s) not as published after the sync (${shown}${more}): ${detail}`,
    );
    this.player = player;
    this.missing = missing;
  }
}

/** A path would land outside the library root (`..`, an absolute path, or a symlink leading out). */
export class PathOutsideLibraryError extends PhaseqError {
  readonly root: string;
  /** The offending path, as given. */
  readonly path: string;
  constructor(root: string, path: string, reason: string) {
    super('PATH_OUTSIDE_LIBRARY', `Path "${path}" is outside the library "${root}": ${reason}`);
    this.root = root;
    this.path = path;
  }
}

/** Fetching a file (artwork, trailer) failed: HTTP status, size limit, or a missing source file. */
export class DownloadError extends PhaseqError {
  /** URL or file path that was fetched. */
  readonly source: string;
  /** HTTP status, or null when there was none. */
  readonly status: number | null;
  /** True when a later attempt may succeed (network error, 408, 429, 5xx); false for size limits and missing files. */
  readonly transient: boolean;
  constructor(source: string, status: number | null, message: string, options?: { cause?: unknown; transient?: boolean }) {
    super('DOWNLOAD_ERROR', `Download of ${source} failed: ${message}${status === null ? '' : ` (HTTP ${status})`}`, options);
    this.source = source;
    this.status = status;
    this.transient = options?.transient ?? isTransient(status);
  }
}
