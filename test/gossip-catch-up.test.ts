/**
 * End to end on the local deployer: a node that missed blocks on a slow link follows the chain
 * by gossip again once one sync has brought what it missed. refnode keeps gossiped blocks whose
 * parent it lacks and adds them when the parent comes; before it did, it dropped them, and
 * while blocks came faster than a sync over the link (two round trips: status, then blocks),
 * every sync ended one block short and the node followed by sync alone, a second or more behind.
 * The cut also tests that gossip comes back after a reconnect: about one run in fifty, val-0's
 * gossipsub kept a dead stream to exe-0 from the connection the cut reset and so opened none on
 * the new one, until refnode learned to reopen it (refnode/src/p2p/gossip-streams.ts).
 */
import { describe, expect, test } from 'vitest';
import { Cluster } from '../src/cluster/cluster.ts';
import type { StartedCluster } from '../src/cluster/types.ts';
import { blockPropagation } from '../src/observe/block-propagation.ts';
import { eventually, heightOf } from './helpers.ts';

/** One way, val-0 ↔ exe-0: a sync round trip pair takes 1.2 s, about three block intervals. */
const LATENCY_MS = 300;

/** val-0's height and exe-0's. */
async function heights(cluster: StartedCluster): Promise<[number, number]> {
  return Promise.all([heightOf(cluster, 'val-0'), heightOf(cluster, 'exe-0')]);
}

describe('gossip after a gap on a slow link', () => {
  test('a follower cut off for a while catches up and then gets each block one link delay late', async () => {
    // One proposer, blocks every 400 ms on average: no fork races, so every delay is the link's.
    await using cluster = await Cluster.of({
      validators: 1,
      executors: 1,
      wallets: 1,
      slotMs: 200,
      activeSlotCoeff: 0.5,
      links: true,
      name: 'catch-up',
    }).start();
    await cluster.links.latency({ tiers: [{ name: 'far', nodes: ['exe-0'], latencyMs: LATENCY_MS }] });

    // The gap: exe-0 hears nothing while val-0 makes 3 blocks, then the link comes back.
    const cut = await cluster.links.blockPeer('val-0', 'exe-0');
    const [tipAtCut] = await heights(cluster);
    const missed = await eventually(async () => (await heights(cluster))[0] >= tipAtCut + 3, 10_000);
    expect(missed, 'val-0 made 3 blocks while exe-0 was cut off').toBe(true);
    await cut.lift();

    // One sync brings the missed blocks; the ones gossiped meanwhile attach behind them.
    const lifted = cluster.recording.now();
    const seen: string[] = [];
    const caughtUp = await eventually(async () => {
      const [tip, follower] = await heights(cluster);
      const at = `t+${((cluster.recording.now() - lifted) / 1000).toFixed(1)}s`;
      if (seen.at(-1)?.endsWith(` ${tip}/${follower}`) !== true) seen.push(`${at} ${tip}/${follower}`);
      return follower >= tip;
    }, 20_000);
    // A failure says how far behind exe-0 stayed over time, and how it saw val-0 at the end
    // (connection, gossip mesh, dial state): enough to tell a lost link from a stuck sync.
    const view = caughtUp
      ? undefined
      : await fetch(`${cluster.node('exe-0').apiUrl}/p2p/peers`)
          .then((r) => r.json() as Promise<{ peers: { name: string | null }[] }>)
          .then(
            (v) => v.peers.find((p) => p.name === 'val-0') ?? 'val-0 not listed',
            (e: unknown) => `GET /p2p/peers failed: ${String(e)}`,
          );
    expect(
      caughtUp,
      `exe-0 caught up with val-0 after the gap (val-0/exe-0 heights since the lift: ${seen.join(', ')}; exe-0's view of val-0 at the end: ${JSON.stringify(view)})`,
    ).toBe(true);

    // From here on exe-0 follows by gossip: each block one link delay after val-0 announced
    // it, far below a sync's two round trips (4 × 300 ms).
    const from = cluster.recording.now();
    const measured = () =>
      blockPropagation(cluster.recording.blocks, ['exe-0'], { origins: ['val-0'], from });
    const sampled = await eventually(async () => measured()['exe-0']!.samples >= 7, 20_000);
    expect(sampled, `7 of val-0's blocks seen on exe-0: ${JSON.stringify(measured())}`).toBe(true);
    const delay = measured()['exe-0']!;
    expect(delay.median, `exe-0's delay (ms): ${JSON.stringify(delay)}`).toBeGreaterThanOrEqual(
      LATENCY_MS * 0.9,
    );
    expect(delay.median, `exe-0 follows by gossip: ${JSON.stringify(delay)}`).toBeLessThan(2 * LATENCY_MS);
  });
});
