/**
 * Scenario 10, partition recovery: 5 validators whose every connection runs through
 * chainlab's links (`links: true`). The link layer splits them into a majority (val-0..2)
 * and a minority (val-3, val-4): nothing passes between the sides, confirmed before the test
 * goes on. The majority keeps finalizing; the minority, seeing less than half the stake,
 * stalls and finalizes nothing the majority contradicts. After the heal every node
 * converges on one chain and no node ever reverts a block it held final. A second case cuts
 * a single pair (`blockPeer`): the chain goes on around it and converges after `unblockPeer`.
 *
 * CI profile: an 8.3 s partition; `CHAINLAB_PROFILE=full`: 60 s. Runs on local processes by
 * default and in containers with `CHAINLAB_DEPLOYER=docker`. The negative case (a minority
 * with refnode's `deep-reorg` bug fails `toKeepFinality`) is in
 * test/partition-negative.test.ts.
 */

import type { StartedCluster } from 'chainlab';
import { createClusterTest } from 'chainlab/vitest';
import { expect } from 'vitest';
import { scenarioProfile } from './profile.ts';

const profile = scenarioProfile();
const partitionMs = profile.scaleChaos(60_000);
const majority = ['val-0', 'val-1', 'val-2'];
const minority = ['val-3', 'val-4'];

const test = createClusterTest({
  validators: 5,
  wallets: 4,
  links: true,
  ...profile.cluster,
  name: 'partition-recovery',
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function finalOf(cluster: StartedCluster, node: string): Promise<{ height: number; hash: string }> {
  const info = await cluster.client(node).info();
  return { height: info.finalizedHeight ?? 0, hash: info.finalizedTip ?? '' };
}

test('the minority stalls without contradicting the majority; after the heal all converge, no final block reverted', {
  timeout: profile.timeout(partitionMs + 60_000),
}, async ({ cluster }) => {
  const split = await cluster.links.partition([majority, minority]);
  const atCut = await finalOf(cluster, 'val-0');
  await sleep(partitionMs);

  // The majority went on finalizing.
  const majorityFinal = await finalOf(cluster, 'val-0');
  expect(majorityFinal.height, 'val-0 finalized during the partition').toBeGreaterThan(atCut.height + 2);
  // Whatever the minority holds final, the majority has the same block at that height.
  for (const node of minority) {
    const held = await finalOf(cluster, node);
    expect(held.height, `${node} finalized past the majority`).toBeLessThanOrEqual(majorityFinal.height);
    const [there] = await cluster.client('val-0').blocks(held.height, held.height);
    expect(there?.hash, `val-0's block at ${node}'s final height ${held.height}`).toBe(held.hash);
  }

  await split.lift();
  await expect(cluster).toConverge({ within: 30_000 });
  await expect(cluster).toKeepFinality();
});

test('a blocked pair: the chain goes on around the cut and converges after unblockPeer', {
  timeout: profile.timeout(partitionMs + 60_000),
}, async ({ cluster }) => {
  const since = cluster.recording.now();
  const blocked = await cluster.links.blockPeer('val-0', 'val-1');
  expect(await cluster.client('val-0').connectedPeers!()).not.toContain('val-1');
  await expect(cluster).toStayLive({ for: Math.min(partitionMs, 10_000) });
  await cluster.links.unblockPeer('val-0', 'val-1');
  expect(blocked.active).toBe(false);
  const window = cluster.recording.faults.find((f) => f.kind === 'block-peer' && f.start >= since);
  expect(window).toMatchObject({ description: 'blockPeer(val-0, val-1)', nodes: ['val-0', 'val-1'] });
  await expect(cluster).toConverge({ within: 30_000 });
  await expect(cluster).toKeepFinality();
});
