/**
 * Kodi's JSON-RPC 2.0 over HTTP: `POST /jsonrpc`, `Content-Type: application/json` (Kodi
 * answers 415 without it), basic auth (401 when wrong). An HTTP error, a network error or
 * a JSON-RPC `error` member is thrown as {@link PlayerError}.
 */
import { PlayerError } from '../errors.js';
import type { KodiPlayerConfig } from '../types.js';
import { playerFetch } from './http.js';

const RPC_PATH = '/jsonrpc';

/** One Kodi, called method by method; counts the requests it made. */
export class KodiRpc {
  readonly #config: KodiPlayerConfig;
  readonly #signal: AbortSignal | undefined;
  readonly #authorization: string;
  #nextId = 1;
  /** HTTP requests sent so far. */
  requests = 0;

  constructor(config: KodiPlayerConfig, signal?: AbortSignal) {
    this.#config = config;
    this.#signal = signal;
    const credentials = Buffer.from(`${config.auth.username}:${config.auth.password}`, 'utf8').toString('base64');
    this.#authorization = `Basic ${credentials}`;
  }

  /**
   * Calls `method` and returns its `result`.
   *
   * @throws PlayerError on network errors, non-2xx statuses and JSON-RPC errors
   */
  async call<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const { name, url } = this.#config;
    this.requests += 1;
    const response = await playerFetch(
      name,
      url,
      RPC_PATH,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: this.#authorization },
        body: JSON.stringify({ jsonrpc: '2.0', id: this.#nextId++, method, params }),
      },
      this.#signal,
    );
    let answer: unknown;
    try {
      answer = await response.json();
    } catch (error) {
      if (this.#signal?.aborted) throw this.#signal.reason;
      throw new PlayerError(name, RPC_PATH, response.status, `${method}: the answer is not JSON`, { cause: error });
    }
    if (typeof answer !== 'object' || answer === null) {
      throw new PlayerError(name, RPC_PATH, response.status, `${method}: the answer is not a JSON-RPC object`);
    }
    const { error, result } = answer as { error?: { code?: unknown; message?: unknown }; result?: unknown };
    if (error !== undefined) {
      const rpcError = { code: Number(error?.code ?? 0), message: rpcMessage(error?.message) };
      throw new PlayerError(name, RPC_PATH, response.status, `${method} failed: ${rpcError.message} (${rpcError.code})`, { rpcError });
    }
    if (result === undefined) {
      throw new PlayerError(name, RPC_PATH, response.status, `${method}: the answer has neither result nor error`);
    }
    return result as T;
  }
}

/** The text of a JSON-RPC error's message: as sent when a string, as JSON when not (never "[object Object]"). */
function rpcMessage(message: unknown): string {
  if (message === undefined || message === null) return 'unknown error';
  return typeof message === 'string' ? message : JSON.stringify(message);
}
