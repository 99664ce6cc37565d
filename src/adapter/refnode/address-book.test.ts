// refnode's book for a linked node: every reachable peer at its link endpoint, bootstrap for
// the ones it dials at start; written atomically.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { bookContent, tcpMultiaddr, writeBookFile } from './address-book.ts';

test('book entries: reachable peers at their endpoints, dialled ones bootstrap', () => {
  const content = bookContent(
    {
      peers: [{ name: 'val-1', host: '127.0.0.1', p2pPort: 4001 }],
      reachable: [
        { name: 'val-1', host: '127.0.0.1', p2pPort: 4001 },
        { name: 'val-2', host: 'chainlab-links', p2pPort: 4002 },
      ],
    },
    (n) => `id-${n}`,
  );
  expect(JSON.parse(content)).toEqual({
    peers: [
      { peerId: 'id-val-1', addrs: ['/ip4/127.0.0.1/tcp/4001'], bootstrap: true, name: 'val-1' },
      { peerId: 'id-val-2', addrs: ['/dns4/chainlab-links/tcp/4002'], bootstrap: false, name: 'val-2' },
    ],
  });
  expect(tcpMultiaddr('::1', 9)).toBe('/ip6/::1/tcp/9');
  const dir = mkdtempSync(join(tmpdir(), 'book-'));
  try {
    writeBookFile(join(dir, 'peers-val-0.json'), content);
    expect(readFileSync(join(dir, 'peers-val-0.json'), 'utf8')).toBe(content);
    expect(readdirSync(dir)).toEqual(['peers-val-0.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
