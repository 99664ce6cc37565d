import { describe, expect, test } from 'vitest';
import { parseSse } from './sse.ts';

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p);
}

describe('parseSse', () => {
  test('parses events split across chunks, multi-line data, comments and CRLF', async () => {
    const out = [];
    for await (const ev of parseSse(
      chunks(
        ': hello\n\nevent: blo',
        'ck\ndata: {"h":1}\n\n',
        'data: a\r\ndata: b\r\n\r\nevent: finalized\nid: 7\ndata: x\n\n',
      ),
    )) {
      out.push(ev);
    }
    expect(out).toEqual([
      { event: 'block', data: '{"h":1}' },
      { event: 'message', data: 'a\nb' },
      { event: 'finalized', data: 'x', id: '7' },
    ]);
  });
});
