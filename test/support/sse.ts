/** Reading server-sent events from a real HTTP stream, for the adapter tests. */

/** One server-sent event: its name and its JSON data. */
export interface SseEvent {
  event: string;
  data: unknown;
}

/**
 * Reads server-sent events from `url` until `until` says stop (it sees every event read
 * so far, before each read), then closes the stream.
 */
export async function readEvents(
  url: string,
  until: (events: SseEvent[]) => boolean,
  init: RequestInit = {},
): Promise<{ events: SseEvent[]; response: Response }> {
  const controller = new AbortController();
  const response = await fetch(url, { ...init, signal: controller.signal });
  const events: SseEvent[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
    }
  } finally {
    controller.abort();
  }
  return { events, response };
}
