/**
 * Scenario 9, Byzantine gossip flooding: a real libp2p peer (the chain's own transports,
 * encryption, muxer and gossipsub) dials every node, joins the gossip topics and floods
 * them beside normal transaction load: replays of old messages, stale blocks and txs in
 * fresh bytes, useless, malformed and oversized messages, and invalid txs of every kind the
 * fuzzer makes. Every honest node must score the peer down (below its gossip threshold,
 * graylisted or disconnected) within 5 s, keep its gossip queues bounded, refuse each
 * gossiped invalid tx it read with the tx's reason and never include one, while consensus
 * carries on: live, block intervals within slot_duration / f ± 25%, nodes converged.
 *
 * CI profile: 200 msg/s for 15 s beside 10 tx/s. `CHAINLAB_PROFILE=full`: 500 msg/s for 60 s.
 */

import { byzantinePeer, createClusterTest, transactions } from 'chainlab/vitest';
import { expect } from 'vitest';
import { scenarioProfile } from './profile.ts';

const profile = scenarioProfile();
const full = profile.name === 'full';
const floodMs = full ? 60_000 : 15_000;

const test = createClusterTest({
  validators: 3,
  executors: 1,
  wallets: 12,
  ...profile.cluster,
  name: 'byzantine-flooding',
});

test('the honest nodes penalise a flooding gossip peer and consensus continues', {
  timeout: profile.timeout(floodMs + 30_000),
}, async ({ cluster, background }) => {
  const since = cluster.recording.now();
  const valid = await background(transactions({ rate: 10, users: 8, targets: 'all', name: 'valid-load' }));
  const attacker = await background(byzantinePeer({ rate: full ? 500 : 200, durationMs: floodMs }));

  await expect(cluster).toPenalize(attacker, { within: 5000 });
  const summary = await attacker.done;
  console.log(
    `byzantine peer (seed ${cluster.seed}): ${summary.messages} messages at ${summary.rate} msg/s to ${summary.targets.join(', ')}: ${JSON.stringify(summary.byKind)}`,
  );
  expect(summary.unheard).toBe(0);
  await expect(cluster).toRejectWith(attacker);
  await expect(cluster).toNeverInclude(attacker, { for: 3000 });

  await valid.stop();
  await expect(cluster).toIncludeAll(valid, { within: 15_000 });
  await expect(cluster).toStayLive({ since });
  await expect(cluster).toKeepBlockIntervals({ tolerance: 0.25, since });
  await expect(cluster).toConverge({ within: 10_000 });
});
