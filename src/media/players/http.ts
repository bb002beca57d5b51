/**
 * The one HTTP call shape every player uses: absolute URL from the configured base,
 * network errors and non-2xx answers turned into {@link PlayerError}.
 */
import { PlayerError } from '../errors.js';

/** Joins the player's base URL (which may have a path, e.g. `http://host/jellyfin/`) and an API path. */
export function playerUrl(baseUrl: string, apiPath: string): URL {
  return new URL(baseUrl.replace(/\/+$/, '') + apiPath);
}

/** Sends one request to a player; returns the response only when it is 2xx. */
export async function playerFetch(
  player: string,
  baseUrl: string,
  apiPath: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
  signal: AbortSignal | undefined,
): Promise<Response> {
  let url: URL;
  try {
    url = playerUrl(baseUrl, apiPath);
  } catch (error) {
    throw new PlayerError(player, apiPath, null, `invalid player URL "${baseUrl}"`, { cause: error });
  }
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal, redirect: 'manual' });
  } catch (error) {
    // An abort is the caller's decision (timeout, cancel): report it as such, not as the player's fault.
    if (signal?.aborted) throw signal.reason;
    throw new PlayerError(player, apiPath, null, `network error: ${(error as Error).message}`, { cause: error });
  }
  if (response.status < 200 || response.status > 299) {
    // The body only adds detail to the message; the status is the error, so an unreadable body is not one.
    const detail = (await response.text().catch(() => '')).slice(0, 200).trim();
    throw new PlayerError(player, apiPath, response.status, `request refused${detail ? `: ${detail}` : ''}`);
  }
  return response;
}
