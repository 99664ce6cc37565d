/**
 * Scenario 11, clock skew: under the usual transaction load, one validator's clock runs 1 s
 * ahead, the executor's 1 s behind, another validator's jitters by ±200 ms (re-drawn every
 * second from the seed), the rest are unskewed. Clocks are shifted through libfaketime at
 * run time, without a restart; each change is a fault window on the recording with the
 * offsets, and is confirmed on the node (its `/info` clock and slot) before the test goes on.
 *
 * refnode's rule for blocks from the future: a block whose slot starts at most `maxDriftMs`
 * (max(slotMs, 500)) ahead of the node's clock is held until its slot starts, one further
 * ahead is refused. So the unskewed nodes hold the +1 s validator's blocks; the executor,
 * 1 s behind, holds the unskewed validators' blocks and refuses the +1 s validator's (2 s
 * ahead of it), and the nodes' counters show both. No node adopts a block from beyond its
 * bound (`toRespectDrift`), nothing splits (`toConverge`, `toKeepFinality`) and the chain
 * stays live. The slots are 1 s long in both profiles: with shorter ones the bound (500 ms)
 * would be below the 1 s skew, and the node behind could not follow the chain at all.
 *
 * CI profile: 40 s of skew. `CHAINLAB_PROFILE=full`: 120 s.
 * Runs on local processes by default and in containers with `CHAINLAB_DEPLOYER=docker`.
 */

import { clockSkew, createClusterTest, type StartedCluster, transactions } from 'chainlab/vitest';
import { expect } from 'vitest';
import { scenarioProfile } from './profile.ts';

const profile = scenarioProfile();
// val-1 (a quarter of the stake) wins a 1 s slot with p ≈ 0.16: 40 slots leave it blockless with p ≈ 0.1%.
const skewMs = profile.name === 'full' ? 120_000 : 40_000;
const slotMs = 1000;

const test = createClusterTest({
  validators: 4,
  executors: 1,
  wallets: 10,
  ...profile.cluster,
  slotMs,
  // Nodes run under libfaketime, unskewed until the chaos below changes their clocks.
  clockSkew: {},
  name: 'clock-skew',
});

test('skewed clocks: blocks within the drift bound are held, beyond it refused; no split, still live', {
  timeout: profile.timeout(skewMs),
}, async ({ cluster, background }) => {
  const load = await background(transactions({ rate: 5, users: 10 }));
  const before = await counters(cluster);
  const since = cluster.recording.now();
  await using skew = await clockSkew({
    offsets: { 'val-1': '+1s', 'exe-0': '-1s' },
    jitter: { 'val-2': '±200ms' },
  }).start(cluster);
  console.log(`${skew.summary()} (seed ${cluster.seed}, ${cluster.deployer.name} deployer)`);

  await expect(cluster).toStayLive({ since, for: skewMs });
  const after = await counters(cluster);
  // The unskewed validators held val-1's blocks until their slot started (1 s, within the bound) …
  for (const node of ['val-0', 'val-3']) expect(after[node]!.held, node).toBeGreaterThan(before[node]!.held);
  // … and exe-0, 2 s behind val-1, refused them, while holding the unskewed validators' blocks.
  expect(after['exe-0']!.refused).toBeGreaterThan(before['exe-0']!.refused);
  expect(after['exe-0']!.held).toBeGreaterThan(before['exe-0']!.held);
  await expect(cluster).toRespectDrift();

  // Every change is on the recording: one window per applied offset, val-2 once per draw.
  const windows = cluster.recording.faults.filter((f) => f.kind === 'clock-skew' && f.start >= since);
  expect(windows.filter((w) => w.nodes[0] === 'val-1').map((w) => w.offsets)).toEqual([{ 'val-1': 1000 }]);
  expect(windows.filter((w) => w.nodes[0] === 'val-2').length).toBeGreaterThan(skewMs / 1000 / 2);

  await load.stop();
  const blockMs = slotMs / profile.slots.activeSlotCoeff;
  await expect(cluster).toConverge({ within: (profile.slots.securityParam + 20) * blockMs });
  await expect(cluster).toKeepFinality();
});

/** Each node's future-block counters now (facet `clock-skew`). */
async function counters(cluster: StartedCluster): Promise<Record<string, { held: number; refused: number }>> {
  const out: Record<string, { held: number; refused: number }> = {};
  for (const n of cluster.nodes) {
    const c = await n.client.clock!();
    out[n.name] = { held: c.heldFutureBlocks ?? 0, refused: c.refusedFutureBlocks ?? 0 };
  }
  return out;
}
