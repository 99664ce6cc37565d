/**
 * Scenario 8, gossip latency gradient: 6 validators in three latency tiers (near 10 ms,
 * mid 100 ms, far 300 ms one way; a link takes the farther tier of its two ends), set on
 * the cluster's links. Blocks must reach every tier within bounds derived from the tier
 * delays: no faster than the tier's own delay allows (each block from outside a tier
 * crosses a link at least that slow; this proves the delay is real), and within two of the
 * slowest hops plus one slot of processing. No two nodes finalize different blocks, forks
 * stay within a stated tolerance, and once the delays are removed the cluster converges.
 *
 * CI profile: 30 s under the gradient; `CHAINLAB_PROFILE=full`: 120 s. Runs on local
 * processes by default and in containers with `CHAINLAB_DEPLOYER=docker`.
 */

import { orphanRate, tierPropagation } from 'chainlab';
import { createClusterTest } from 'chainlab/vitest';
import { expect } from 'vitest';
import { scenarioProfile } from './profile.ts';

const profile = scenarioProfile();
const tiers = [
  { name: 'near', nodes: ['val-0', 'val-1'], latencyMs: 10 },
  { name: 'mid', nodes: ['val-2', 'val-3'], latencyMs: 100 },
  { name: 'far', nodes: ['val-4', 'val-5'], latencyMs: 300 },
];
const slowest = Math.max(...tiers.map((t) => t.latencyMs));
/** Orphaned blocks per 100 final blocks we accept under a 300 ms gradient. */
const FORK_TOLERANCE_PER_100 = 40;

const test = createClusterTest({
  validators: 6,
  wallets: 4,
  links: true,
  ...profile.cluster,
  name: 'gossip-latency-gradient',
});

test('blocks reach each tier within its delay bounds; finality agrees; forks within tolerance; converges after', {
  timeout: profile.timeout(profile.timingMs + 30_000),
}, async ({ cluster }) => {
  const gradient = await cluster.links.latency({ tiers });
  const from = cluster.recording.now();
  const heightFrom = (await cluster.client('val-0').info()).height;
  await new Promise((r) => setTimeout(r, profile.timingMs));
  const to = cluster.recording.now();
  const byTier = tierPropagation(cluster.recording.blocks, tiers, { from, to });
  console.log(`propagation by tier (ms): ${JSON.stringify(byTier)}`);
  const slotMs = profile.slots.slotMs;
  for (const tier of tiers) {
    const seen = byTier[tier.name]!;
    expect(seen.samples, `${tier.name} blocks from other tiers`).toBeGreaterThanOrEqual(5);
    expect(seen.median, `${tier.name} median delay (ms)`).toBeGreaterThanOrEqual(tier.latencyMs * 0.9);
    expect(seen.p90, `${tier.name} p90 delay (ms)`).toBeLessThanOrEqual(2 * slowest + slotMs);
  }
  // The gradient shows: the far tier hears of blocks later than the near one.
  expect(byTier.far!.median).toBeGreaterThan(byTier.near!.median);

  await gradient.lift();
  await expect(cluster).toConverge({ within: 30_000 });
  await expect(cluster).toKeepFinality();
  const heightTo = (await cluster.client('val-0').info()).finalizedHeight ?? 0;
  const forks = orphanRate(
    cluster.recording.blocks,
    cluster.recording.bestChain('val-0'),
    heightFrom + 1,
    heightTo,
  );
  console.log(`forks: ${JSON.stringify(forks)}`);
  expect(forks.canonical).toBeGreaterThan(10);
  expect(forks.per100, 'orphaned blocks per 100').toBeLessThanOrEqual(FORK_TOLERANCE_PER_100);
});
