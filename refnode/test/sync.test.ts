import { describe, expect, it } from 'vitest';
import { type RunningNode, waitFor, writeGenesis } from './cluster.ts';

/** Status requests `node` makes over `windowMs`. */
async function statusRequestsOver(node: RunningNode, windowMs: number): Promise<number> {
  const made = () => node.metric('refnode_p2p_sync_requests_made_total', { kind: 'status' });
  const before = await made();
  await new Promise((ok) => setTimeout(ok, windowMs));
  return (await made()) - before;
}

describe('block sync', () => {
  it('a node following the chain live asks one peer a second for its tip; on a chain that stands still it asks every peer', async () => {
    // Two clusters of 4 validators side by side: one makes a block every ~0.5 s, so every
    // node follows it by gossip; the other wins a slot about once a minute, so its tip
    // stands still and no node counts as following. The lottery is a function of the keys and
    // the slot, both fixed by the seed: with `sync-still` the first winner is val-0 itself, at
    // slot 23, and a node's own block does not make it follow, so val-0 never does here.
    await using live = await writeGenesis({
      validators: 4,
      wallets: 4,
      slotMs: 250,
      activeSlotCoeff: 0.5,
      seed: 'sync-live',
    });
    await using still = await writeGenesis({
      validators: 4,
      wallets: 4,
      slotMs: 1000,
      activeSlotCoeff: 0.02,
      seed: 'sync-still',
    });
    const liveNodes = await Promise.all([0, 1, 2, 3].map((i) => live.start(i)));
    const stillNodes = await Promise.all([0, 1, 2, 3].map((i) => still.start(i)));
    await waitFor(
      async () => (await Promise.all(liveNodes.map((n) => n.info()))).every((i) => i.height >= 4),
      20_000,
      'the live cluster at height 4',
    );
    await waitFor(
      async () => (await Promise.all(stillNodes.map((n) => n.info()))).every((i) => i.peers === 3),
      20_000,
      'every node of the still cluster peered with the 3 others',
    );

    const windowMs = 5000;
    const [following, standing] = await Promise.all([
      statusRequestsOver(liveNodes[0]!, windowMs),
      statusRequestsOver(stillNodes[0]!, windowMs),
    ]);
    // One tick a second: one peer a tick when following, all 3 otherwise (a tick late on a
    // busy machine only lowers both counts, so the lower bound leaves room for it).
    expect(following, 'status requests of a node following the chain, over 5 s').toBeLessThanOrEqual(
      windowMs / 1000 + 2,
    );
    expect(
      standing,
      'status requests of a node on a chain that stands still, over 5 s',
    ).toBeGreaterThanOrEqual((2 * windowMs) / 1000);
  }, 60_000);
});
