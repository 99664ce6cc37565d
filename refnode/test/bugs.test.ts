import { describe, expect, it } from 'vitest';
import { txId } from '../src/codec.ts';
import { type RunningNode, waitFor, writeGenesis } from './cluster.ts';

/** Whether `node` has `peerId` in its gossip mesh of `topic` (it forwards that topic's messages to it). */
async function inMesh(node: RunningNode, peerId: string, topic: string): Promise<boolean> {
  const peers = (await node.get('/p2p/peers')).body.peers as { peerId: string; mesh: string[] }[];
  return peers.some((peer) => peer.peerId === peerId && peer.mesh.includes(topic));
}

describe('deliberate bugs', () => {
  it('with the no-sync bug a restarted node does not catch up', async () => {
    // Three validators, so the two that stay up hold a stake majority and keep producing.
    await using set = await writeGenesis({ validators: 3, wallets: 2, slotMs: 200, securityParam: 4 });
    const [a, , c] = await Promise.all([set.start(0), set.start(1), set.start(2)]);
    await waitFor(async () => (await c!.info()).height >= 3, 15_000, 'height 3');
    await c!.kill('SIGTERM');
    const heightAtStop = (await a!.info()).height;
    await waitFor(
      async () => (await a!.info()).height >= heightAtStop + 8,
      20_000,
      'the others to move ahead',
    );
    const lagging = await set.start(2, ['--bug', 'no-sync']);
    // Its tip as kept on disk (no peer block attaches there: theirs are 8 ahead). The stop
    // raced the others, so it may hold a block that `a` only adopted after `heightAtStop` was read.
    const storedTip = (await lagging.info()).height;
    // Let it run connected until the others have made 5 more blocks, gossiped to it.
    await waitFor(async () => (await lagging.info()).peers >= 2, 15_000, 'the lagging node to connect');
    const heightAtRestart = (await a!.info()).height;
    await waitFor(
      async () => (await a!.info()).height >= heightAtRestart + 5,
      20_000,
      'five blocks after the restart',
    );
    const [ahead, behind] = await Promise.all([a!.info(), lagging.info()]);
    // It only extends its own branch (and takes gossiped blocks whose parent it has), never the missed range.
    const missed = storedTip + 1;
    expect(missed).toBeLessThan(ahead.height);
    expect(await lagging.blockHashAt(missed)).not.toBe(await a!.blockHashAt(missed));
    expect(ahead.tip).not.toBe(behind.tip);
    expect(await lagging.metric('refnode_p2p_sync_requests_made_total', { kind: 'blocks' })).toBe(0);
  });

  it('with no-tx-gossip a tx never reaches a peer’s mempool, only its blocks; peers then fetch the full block', async () => {
    await using set = await writeGenesis({ validators: 2, wallets: 2, slotMs: 200, securityParam: 4 });
    const [quiet, other] = await Promise.all([set.start(0, ['--bug', 'no-tx-gossip']), set.start(1)]);
    // Both ways in the txs mesh: had quiet gossiped the tx, other would have received it.
    await waitFor(
      async () =>
        (await inMesh(quiet!, other!.ready.peerId, 'txs')) &&
        (await inMesh(other!, quiet!.ready.peerId, 'txs')),
      15_000,
      'both nodes in each other’s txs mesh',
    );
    // Control: a tx sent to the honest node does arrive on the quiet one by gossip.
    const control = set.tx(1, 0, { amount: 5 });
    expect((await other!.post('/txs', control)).status).toBe(202);
    await waitFor(
      async () => (await quiet!.metric('refnode_txs_accepted_total', { source: 'gossip' })) >= 1,
      10_000,
      'the control tx to reach the quiet node by gossip',
    );

    const tx = set.tx(0, 1, { amount: 77 });
    expect((await quiet!.post('/txs', tx)).status).toBe(202);
    // Only val-0 can include it; the compact block lacks it on val-1, which fetches the full block.
    const included = await waitFor(
      async () => {
        const status = (await other!.get(`/txs/${txId(tx)}`)).body;
        return status.status === 'included' ? status : undefined;
      },
      20_000,
      'tx included on val-1',
    );
    const block = (await other!.get(`/blocks/${included.blockHash}`)).body;
    expect(block.proposer).toBe((await quiet!.get('/info')).body.publicKey);
    // The property itself: the honest node never admitted a tx from gossip, and heard no tx message.
    expect(await other!.metric('refnode_txs_accepted_total', { source: 'gossip' })).toBe(0);
    expect(await other!.metric('refnode_gossip_messages_total', { topic: 'txs', direction: 'in' })).toBe(0);
    // And it counted the block it had to fetch whole.
    expect(await other!.metric('refnode_blocks_fetched_whole_total')).toBeGreaterThanOrEqual(1);
  });
});
