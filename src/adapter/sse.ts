/**
 * A minimal Server-Sent Events parser (WHATWG event-stream rules: `event:`, `data:`
 * lines joined with '\n', `:` comments, blank line dispatches) over a byte stream.
 */

/** One dispatched SSE event. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Parses an async byte/string stream into SSE events. */
export async function* parseSse(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  for await (const chunk of chunks) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline = buffer.search(/\r\n|\r|\n/);
    while (newline !== -1) {
      const line = buffer.slice(0, newline);
      const sepLength = buffer.startsWith('\r\n', newline) ? 2 : 1;
      buffer = buffer.slice(newline + sepLength);
      if (line === '') {
        if (data.length > 0) {
          const out: SseEvent = { event: event === '' ? 'message' : event, data: data.join('\n') };
          if (id !== undefined) out.id = id;
          yield out;
        }
        event = '';
        data = [];
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
      }
      newline = buffer.search(/\r\n|\r|\n/);
    }
  }
}
