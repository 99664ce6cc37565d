/**
 * The polled block feed on real nodes: new blocks in order, a reorg when a node switches
 * to a longer branch (fork point, removed blocks, then the new branch), and a backfill.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RegtestNodes, startRegtestNodes } from '../../../test/litecoind/regtest-nodes.ts';
import { type LitecoindFeedEvent, litecoindBlockFeed } from './block-feed.ts';
import { waitForSameTip } from './sync.ts';

/** Reads events until `done` says so (or 20 s pass). */
async function collect(
  feed: AsyncIterator<LitecoindFeedEvent>,
  done: (events: LitecoindFeedEvent[]) => boolean,
): Promise<LitecoindFeedEvent[]> {
  const events: LitecoindFeedEvent[] = [];
  const deadline = Date.now() + 20_000;
  while (!done(events)) {
    if (Date.now() > deadline) throw new Error(`feed stalled after ${JSON.stringify(events.map(brief))}`);
    const next = await feed.next();
    if (next.done) break;
    events.push(next.value);
  }
  return events;
}

function brief(ev: LitecoindFeedEvent): string {
  return ev.type === 'block'
    ? `block ${ev.block.height}/${ev.block.hash.slice(0, 6)}`
    : `reorg@${ev.fork.height} -${ev.removed.length}`;
}

describe('litecoind block feed', () => {
  let net: RegtestNodes;
  const address: string[] = [];

  beforeAll(async () => {
    // two nodes that do not dial each other: each mines its own branch
    net = await startRegtestNodes(2, { peersOf: () => [] });
    for (const node of net.nodes) {
      await node.client.rpc.call('createwallet', { wallet_name: 'miner' });
      address.push(String(await node.client.rpc.call('getnewaddress', [], { wallet: 'miner' })));
    }
  });
  afterAll(async () => {
    await net?.[Symbol.asyncDispose]();
  });

  it('emits new blocks in order, then a reorg to a longer branch and its blocks', async () => {
    const [a, b] = net.nodes as [RegtestNodes['nodes'][0], RegtestNodes['nodes'][0]];
    const ac = new AbortController();
    // from height 1: the first blocks come whether the feed starts before or after they are mined
    const feed = litecoindBlockFeed(a.client, ac.signal, { fromHeight: 1, waitMs: 500 })[
      Symbol.asyncIterator
    ]();
    try {
      const first = collect(feed, (evs) => evs.length >= 2);
      const mineA = await a.client.generateToAddress(2, address[0]!);
      const own = await first;
      expect(own.map(brief)).toEqual([
        `block 1/${mineA[0]!.slice(0, 6)}`,
        `block 2/${mineA[1]!.slice(0, 6)}`,
      ]);
      const blocks = own.flatMap((e) => (e.type === 'block' ? [e.block] : []));
      expect(blocks[1]!.parent).toBe(blocks[0]!.hash);

      const mineB = await b.client.generateToAddress(3, address[1]!);
      const switched = collect(feed, (evs) => evs.length >= 4);
      await a.client.rpc.call('addnode', [`127.0.0.1:${b.endpoints.p2pPort}`, 'onetry']);
      const events = await switched;
      expect(events[0]).toEqual({
        type: 'reorg',
        fork: { height: 0, hash: blocks[0]!.parent },
        removed: [
          { height: 1, hash: mineA[0] },
          { height: 2, hash: mineA[1] },
        ],
      });
      expect(events.slice(1).map(brief)).toEqual(mineB.map((h, i) => `block ${i + 1}/${h.slice(0, 6)}`));
    } finally {
      ac.abort();
      await feed.return?.(undefined);
    }
  });

  it('backfills from a height, then follows', async () => {
    const tip = await waitForSameTip(net.nodes, { timeoutMs: 10_000 });
    const ac = new AbortController();
    const feed = litecoindBlockFeed(net.nodes[1]!.client, ac.signal, { fromHeight: 1, waitMs: 500 })[
      Symbol.asyncIterator
    ]();
    try {
      const past = await collect(feed, (evs) => evs.length >= tip.height);
      expect(past.map((e) => e.type === 'block' && e.block.height)).toEqual([1, 2, 3]);
      const next = collect(feed, (evs) => evs.length >= 1);
      const [hash] = await net.nodes[0]!.client.generateToAddress(1, address[0]!);
      expect((await next).map(brief)).toEqual([`block 4/${hash!.slice(0, 6)}`]);
    } finally {
      ac.abort();
      await feed.return?.(undefined);
    }
  });

  it('ends promptly when its signal aborts, even mid long-poll', async () => {
    const ac = new AbortController();
    const feed = litecoindBlockFeed(net.nodes[0]!.client, ac.signal, { waitMs: 10_000 })[
      Symbol.asyncIterator
    ]();
    const pending = feed.next();
    // Abort only once the long poll is on the node (getrpcinfo lists the calls in flight).
    await expect
      .poll(async () => {
        const info = (await net.nodes[0]!.client.rpc.call('getrpcinfo', [])) as {
          active_commands: { method: string }[];
        };
        return info.active_commands.map((c) => c.method);
      })
      .toContain('waitforblockheight');
    const started = performance.now();
    ac.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
