// Talking to the phaseq REST API: JSON requests with the optional API key, and the
// server-sent event stream read with fetch (EventSource cannot send an Authorization header).

const KEY_STORAGE = 'phaseq.apiKey';

/** An error answered by the API: `{ error: { code, message, details? } }`. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? 'HTTP_ERROR';
    this.details = body?.error?.details;
  }
}

export function getApiKey() {
  return sessionStorage.getItem(KEY_STORAGE) ?? '';
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

function headers(extra = {}) {
  const key = getApiKey();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

/** Calls the API; resolves to the parsed body, rejects with an ApiError. */
export async function api(path, { method = 'GET', body } = {}) {
  const init = { method, headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(`/api${path}`, init);
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

/**
 * Follows `GET /api/events`, calling `onEvent(name, data)` for each event and
 * `onState('live' | 'reconnecting' | 'unauthorized')`. Reconnects after a pause.
 */
export function followEvents(onEvent, onState) {
  let stopped = false;
  let controller = null;
  let resume = null;

  async function connect() {
    controller = new AbortController();
    const response = await fetch('/api/events', { headers: headers(), signal: controller.signal });
    if (response.status === 401) {
      onState('unauthorized');
      // Wait for a key (restart()) instead of knocking every few seconds.
      await new Promise((resolve) => (resume = resolve));
      return 'again';
    }
    if (!response.ok || !response.body) throw new Error(`event stream: HTTP ${response.status}`);
    onState('live');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) name = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (data) onEvent(name, JSON.parse(data));
      }
    }
  }

  async function loop() {
    while (!stopped) {
      try {
        // A new key was given: try it at once.
        if ((await connect()) === 'again') continue;
      } catch {
        // The server went away or restarts: show it and try again shortly.
      }
      if (stopped) return;
      onState('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }

  void loop();
  return {
    restart() {
      controller?.abort();
      resume?.();
      resume = null;
    },
    stop() {
      stopped = true;
      controller?.abort();
      resume?.();
    },
  };
}
