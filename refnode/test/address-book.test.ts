import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { p2pPort, type RunningNode, waitFor, writeBook, writeGenesis } from './cluster.ts';
import { processSockets, TcpProxy } from './net-probe.ts';

interface PeerEntry {
  peerId: string;
  connected: boolean;
  remoteAddr: string | null;
  dial: { policy: string } | null;
}

async function peersOf(node: RunningNode): Promise<PeerEntry[]> {
  return (await node.get('/p2p/peers')).body.peers;
}

async function connected(node: RunningNode, peerId: string): Promise<PeerEntry | undefined> {
  return (await peersOf(node)).find((peer) => peer.peerId === peerId && peer.connected);
}

/** Samples `check` every 100 ms for `ms`; returns every violation it saw. */
async function watch<T>(ms: number, check: () => Promise<T[]> | T[]): Promise<T[]> {
  const seen: T[] = [];
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    seen.push(...(await check()));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return seen;
}

describe('address book (peers file)', () => {
  it('a node dials only its book: a peer learned from others is reached through its book address or not at all', async () => {
    await using set = await writeGenesis({ validators: 3, executors: 1, wallets: 2, slotMs: 200 });
    // a = val-0 (book: b), b = val-1 (book: a, x), x = val-2 (book: b), c = exe-0 (no book: control).
    const [a, b, x] = [0, 1, 2].map((i) => set.directEntry(i)) as [
      ReturnType<typeof set.directEntry>,
      ReturnType<typeof set.directEntry>,
      ReturnType<typeof set.directEntry>,
    ];
    writeBook(set.bookPath('a'), [b]);
    writeBook(set.bookPath('b'), [a, x]);
    writeBook(set.bookPath('x'), [b]);
    const book = (name: string) => ['--peers=', '--peers-file', set.bookPath(name)];
    const [nodeB, nodeX] = await Promise.all([set.start(1, book('b')), set.start(2, book('x'))]);
    await waitFor(() => connected(nodeB!, x.peerId), 15_000, 'b connected to x');

    const nodeA = await set.start(0, book('a'));
    // Control: without a book, c dials what b tells it, x's real address included.
    const nodeC = await set.start(3, [`--peers=${nodeB!.ready.p2p[0]}`]);
    await waitFor(() => connected(nodeC, x.peerId), 20_000, 'c (no book) to dial x after learning it');
    await waitFor(
      async () => (await nodeA.metric('refnode_p2p_learned_unresolved_total')) >= 1,
      20_000,
      'a to learn a peer its book does not have',
    );
    const xPort = p2pPort(nodeX!);
    const aPid = nodeA.child.pid!;
    // Not even a connection attempt from a's process to x's port, and neither side sees the other.
    const direct = await watch(3000, async () => [
      ...processSockets(aPid).filter((socket) => socket.remotePort === xPort),
      ...((await connected(nodeA, x.peerId)) ? ['a lists x'] : []),
      ...((await connected(nodeX!, a.peerId)) ? ['x lists a'] : []),
    ]);
    expect(direct).toEqual([]);

    // Run time: x joins a's book behind a proxy, as a non-bootstrap entry. a learned x before,
    // so it dials x now, through the proxy only.
    await using proxy = await TcpProxy.start(xPort);
    writeBook(set.bookPath('a'), [b, { ...x, addrs: [proxy.addr], bootstrap: false }]);
    await waitFor(() => connected(nodeA, x.peerId), 15_000, 'a to dial x through the proxy');
    expect(proxy.accepted).toBeGreaterThanOrEqual(1);
    // x registers the connection a moment after a does.
    const seenByX = await waitFor(() => connected(nodeX!, a.peerId), 5000, 'x to list a as connected');
    const remotePort = Number(/\/tcp\/(\d+)/.exec(seenByX.remoteAddr ?? '')?.[1]);
    const how = proxy.upstreamPorts.has(remotePort)
      ? 'through the proxy'
      : `x sees a at ${seenByX.remoteAddr}, the proxy's upstream ports are ${[...proxy.upstreamPorts].join(', ')}; a's sockets ${JSON.stringify(processSockets(aPid))}, x port ${xPort}, proxy port ${proxy.port}`;
    expect(how).toBe('through the proxy');
    const aSockets = processSockets(aPid);
    expect(aSockets.some((socket) => socket.remotePort === proxy.port)).toBe(true);
    expect(aSockets.filter((socket) => socket.remotePort === xPort)).toEqual([]);
    expect((await nodeA.get('/p2p/book')).body).toMatchObject({
      strict: true,
      version: 2,
      error: null,
      entries: [
        { peerId: b.peerId, bootstrap: true },
        { peerId: x.peerId, addrs: [proxy.addr], bootstrap: false },
      ],
    });

    // Removing x hangs up on it, and nobody dials again.
    writeBook(set.bookPath('a'), [b]);
    await waitFor(
      async () => !(await connected(nodeA, x.peerId)) && !(await connected(nodeX!, a.peerId)),
      10_000,
      'a and x to disconnect after x left a’s book',
    );
    const after = await watch(2000, async () => [
      ...((await connected(nodeA, x.peerId)) ? ['a lists x'] : []),
      ...(await peersOf(nodeA)).filter((peer) => peer.peerId === x.peerId && peer.dial !== null),
    ]);
    expect(after).toEqual([]);

    // A broken rewrite keeps the previous book and says why.
    writeBook(set.bookPath('a'), [{ peerId: 'not-a-peer', addrs: [] }]);
    await waitFor(
      async () =>
        (await nodeA.get('/p2p/book')).body.error?.includes('peers[0].peerId must be a libp2p peer id'),
      5000,
      'the reload error on /p2p/book',
    );
    expect(await connected(nodeA, b.peerId)).toBeDefined();
    expect(await nodeA.metric('refnode_p2p_book_reloads_total', { outcome: 'error' })).toBe(1);
  });

  it('refuses to start with a bad peers file (exit 2 naming the file and field)', async () => {
    await using set = await writeGenesis({ validators: 2, wallets: 0 });
    writeBook(set.bookPath('bad'), [{ peerId: set.directEntry(1).peerId, addrs: ['/ip4/127.0.0.1/udp/1'] }]);
    await expect(
      set.spawn(set.configPath(0), 'bad-book', ['--peers-file', set.bookPath('bad')]),
    ).rejects.toThrow(/exited with 2/);
    expect(readFileSync(set.nodes.at(-1)!.logFile, 'utf8')).toContain(
      `${set.bookPath('bad')}: invalid peers file:\n  - peers[0].addrs[0] must be a TCP multiaddr`,
    );
  });
});
