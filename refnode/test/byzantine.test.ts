import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createTxSigner, txId } from '../src/codec.ts';
import { encodeTxsMessage } from '../src/gossip-codec.ts';
import { type Network, startNetwork } from '../src/p2p/network.ts';
import { type RunningNode, waitFor, watchEvents, writeGenesis } from './cluster.ts';

interface PeerEntry {
  peerId: string;
  connected: boolean;
  score: number;
  gossipBlocked: boolean;
  graylisted: boolean;
  mesh: string[];
  prunes: number;
  messages: { accept: number; reject: number; ignore: number };
  queue: { outboundBytes: number; inboundBytes: number };
  gossipStreams: { outbound: boolean; inbound: boolean };
}

async function viewOf(node: RunningNode, peerId: string): Promise<PeerEntry | undefined> {
  return ((await node.get('/p2p/peers')).body.peers as PeerEntry[]).find((peer) => peer.peerId === peerId);
}

/** A real libp2p host on refnode's own stack (TCP, noise, yamux, gossipsub), with a fresh identity. */
async function startAttacker(chainId: string, targets: string[]): Promise<Network> {
  const attacker = await startNetwork({
    secretKey: randomBytes(32).toString('hex'),
    host: '127.0.0.1',
    port: 0,
    announce: [],
    peers: targets,
    chainId,
    logger: pino({ level: 'silent' }),
    registry: new Registry(),
    sync: {
      status: () => ({ height: 0, tip: '0'.repeat(64), finalizedHeight: 0 }),
      blocksByHeight: () => [],
      blockByHash: () => undefined,
    },
  });
  // Subscribing is what puts it in the honest nodes' meshes; what it receives does not matter.
  for (const topic of ['blocks', 'txs', 'da'] as const) attacker.subscribe(topic, () => 'ignore');
  return attacker;
}

describe('a Byzantine gossip peer', () => {
  it('publishing invalid txs is scored down, pruned and graylisted; with no-gossip-penalty its score stays neutral; its txs are rejected with their reason', async () => {
    await using set = await writeGenesis({ validators: 2, wallets: 2, slotMs: 200, securityParam: 4 });
    const [strict, lenient] = await Promise.all([set.start(0), set.start(1, ['--bug', 'no-gossip-penalty'])]);
    await using attacker = await startAttacker(set.chainId, [strict!.ready.p2p[0]!, lenient!.ready.p2p[0]!]);
    await waitFor(
      async () =>
        (await viewOf(strict!, attacker.peerId))?.mesh.includes('txs') &&
        (await viewOf(lenient!, attacker.peerId))?.mesh.includes('txs'),
      20_000,
      'the attacker to join both honest nodes’ txs mesh',
    );
    // In a mesh means gossip streams both ways.
    expect((await viewOf(strict!, attacker.peerId))?.gossipStreams).toEqual({
      outbound: true,
      inbound: true,
    });

    // Well-formed txs with a signature by the wrong key: bad_signature, a provably invalid message.
    const wrongKey = createTxSigner(set.wallets[1]!.secretKey);
    const sent: string[] = [];
    await waitFor(
      async () => {
        const unsigned = {
          chainId: set.chainId,
          from: set.wallets[0]!.address,
          to: set.wallets[1]!.address,
          amount: 1 + sent.length,
          fee: 1,
          nonce: 0,
        };
        sent.push(txId(unsigned));
        await attacker.publish('txs', encodeTxsMessage([wrongKey(unsigned)]));
        // A node behind on its work drops gossiped txs unread (load shedding), so publish
        // until the lenient node too has judged enough of them.
        return (
          (await viewOf(strict!, attacker.peerId))?.graylisted &&
          ((await viewOf(lenient!, attacker.peerId))?.messages.reject ?? 0) >= 4
        );
      },
      30_000,
      'the honest node to graylist the attacker and the lenient one to reject 4 of its messages',
    );

    const penalized = (await viewOf(strict!, attacker.peerId))!;
    expect(penalized).toMatchObject({ connected: true, gossipBlocked: true, graylisted: true });
    expect(penalized.score).toBeLessThan(-80);
    expect(penalized.messages.reject).toBeGreaterThanOrEqual(4);
    expect(penalized.queue.outboundBytes).toBeGreaterThanOrEqual(0);
    // Pruned from the mesh at the next heartbeat (0.7 s).
    await waitFor(
      async () => {
        const view = await viewOf(strict!, attacker.peerId);
        return view !== undefined && view.prunes >= 1 && !view.mesh.includes('txs');
      },
      5000,
      'the honest node to prune the attacker from its txs mesh',
    );
    expect(await strict!.metric('refnode_p2p_peer_graylisted', { peer: attacker.peerId })).toBe(1);

    // With the bug the same invalid messages cost nothing: score neutral, still in the mesh.
    const tolerated = (await viewOf(lenient!, attacker.peerId))!;
    expect(tolerated.messages.reject).toBeGreaterThanOrEqual(4);
    expect(tolerated.score).toBeGreaterThanOrEqual(0);
    expect(tolerated).toMatchObject({ gossipBlocked: false, graylisted: false, prunes: 0 });
    expect(tolerated.mesh).toContain('txs');
    expect(await lenient!.metric('refnode_p2p_peer_graylisted', { peer: attacker.peerId })).toBe(0);
    expect((await lenient!.get('/p2p/peers')).body.penalties).toBe(false);

    // A tx that arrived only by gossip has the same status and reason as if it had been
    // submitted: every one a node read (not one it shed unread, nor one sent after it cut the
    // attacker off).
    for (const node of [strict!, lenient!]) {
      const statuses = await Promise.all(sent.map(async (id) => (await node.get(`/txs/${id}`)).body));
      const read = statuses.filter((s) => s.status !== 'unknown');
      expect(read.length).toBeGreaterThanOrEqual(4);
      for (const status of read)
        expect(status).toMatchObject({ status: 'rejected', reason: 'bad_signature' });
    }
    // Consensus went on.
    const height = (await strict!.info()).height;
    await waitFor(async () => (await strict!.info()).height > height + 2, 15_000, 'blocks during the flood');
  });
});

describe('a node that does not check gossiped txs (no-gossip-sig-check)', () => {
  it('admits a forged tx that arrives by gossip and puts it in its own block; the same forgery through its API is refused; a strict node refuses both', async () => {
    await using set = await writeGenesis({ validators: 2, wallets: 2, slotMs: 200, securityParam: 4 });
    const [strict, trusting] = await Promise.all([
      set.start(0),
      set.start(1, ['--bug', 'no-gossip-sig-check']),
    ]);
    await using attacker = await startAttacker(set.chainId, [strict!.ready.p2p[0]!, trusting!.ready.p2p[0]!]);
    await waitFor(
      async () =>
        (await viewOf(strict!, attacker.peerId))?.mesh.includes('txs') &&
        (await viewOf(trusting!, attacker.peerId))?.mesh.includes('txs'),
      20_000,
      'the attacker to join both nodes’ txs mesh',
    );

    // Wallet 0's next tx, signed by wallet 1's key: valid in every way but the signature.
    const wrongKey = createTxSigner(set.wallets[1]!.secretKey);
    const forgery = (amount: number) =>
      wrongKey({
        chainId: set.chainId,
        from: set.wallets[0]!.address,
        to: set.wallets[1]!.address,
        amount,
        fee: 1,
        nonce: 0,
      });
    const gossiped = forgery(7);
    const id = txId(gossiped);
    // The trusting node's block holding the forgery may not stay on its best chain: if the
    // strict node's branch (which refuses it) grows longer first, the reorg hands the tx back
    // to the mempool, whose re-admission checks the signature and rejects it for good. A poll
    // of `GET /txs/:id` can miss a block that left between two polls; the feed cannot.
    let includedIn: { hash: string; height: number } | undefined;
    await watchEvents<{ hash: string; height: number; txIds: string[] }>(trusting!, 'block', (block) => {
      if (block.txIds.includes(id)) includedIn ??= block;
    });
    // A node behind on its work drops gossiped txs unread (load shedding): until both nodes
    // know the tx, publish it again in a message of other bytes (a second forgery beside it),
    // which no duplicate filter drops.
    const known = async (node: typeof strict) => (await node!.get(`/txs/${id}`)).body.status !== 'unknown';
    await attacker.publish('txs', encodeTxsMessage([gossiped]));
    let republished = 0;
    await waitFor(
      async () => {
        if ((await known(strict)) && (await known(trusting))) return true;
        await new Promise((resolve) => setTimeout(resolve, 1000));
        await attacker.publish('txs', encodeTxsMessage([gossiped, forgery(100 + republished++)]));
        return false;
      },
      15_000,
      'both nodes to hear of the gossiped forgery',
    );

    // The API still checks: the same kind of forgery submitted to the trusting node is refused.
    const submitted = await trusting!.post('/txs', forgery(8));
    expect(submitted.status).toBe(400);
    expect(submitted.body).toMatchObject({ error: { code: 'bad_signature' } });

    // The gossiped one is admitted without its signature check, then proposed in its own block.
    await waitFor(
      () => includedIn,
      20_000,
      'the trusting node to put the forged tx in a block of its best chain',
    );
    expect(await trusting!.metric('refnode_txs_accepted_total', { source: 'gossip' })).toBeGreaterThanOrEqual(
      1,
    );
    // The strict node refused it with its reason and did not take the block holding it (two
    // heights on, that block had long reached it by gossip).
    expect((await strict!.get(`/txs/${id}`)).body).toMatchObject({
      status: 'rejected',
      reason: 'bad_signature',
    });
    await waitFor(
      async () => (await strict!.info()).height >= includedIn!.height + 2,
      15_000,
      'the strict node to build two heights past the forged block',
    );
    expect((await strict!.get(`/blocks/${includedIn!.hash}`)).status).toBe(404);
    expect((await trusting!.info()).bugs).toEqual(['no-gossip-sig-check']);
  });
});
