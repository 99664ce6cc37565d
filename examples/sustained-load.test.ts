/**
 * Scenario 2, sustained load: 4 validators + 2 executors, 100 wallets, 50 users sending
 * 15 tx/s and 2 DA channels publishing 3 blobs/s on the executors for the whole run. Every
 * node stays live throughout, every tx is included, every blob is certified, included in
 * order per channel and rebuilt byte-for-byte on a node other than its entry point, and the
 * supply is conserved.
 *
 * CI profile: 20 s (40 blocks expected). `CHAINLAB_PROFILE=full`: 300 s.
 */

import { createClusterTest, dataAvailability, transactions } from 'chainlab/vitest';
import { expect } from 'vitest';
import { scenarioProfile } from './profile.ts';

const profile = scenarioProfile();

const test = createClusterTest({
  validators: 4,
  executors: 2,
  wallets: 100,
  ...profile.cluster,
  name: 'sustained-load',
});

test('stays live with full inclusion, available blobs and conserved supply under sustained load', {
  timeout: profile.timeout(profile.sustainedMs),
}, async ({ cluster, background }) => {
  const since = cluster.recording.now();
  const load = await background(transactions({ rate: 15, users: 50 }));
  const da = await background(dataAvailability({ channels: 2, blobRate: 3, targets: 'executors' }));
  await expect(cluster).toStayLive({ since, for: profile.sustainedMs });
  await load.stop();
  await da.stop();

  const blockMs = profile.slots.slotMs / profile.slots.activeSlotCoeff;
  const settleMs = (profile.slots.securityParam + 20) * blockMs;
  await expect(cluster).toIncludeAll(load, { within: settleMs });
  await expect(cluster).toMakeAvailable(da, { within: settleMs, from: 'other-node' });
  await expect(cluster).toConserveSupply();
  const blobLatency = da
    .published()
    .map((b) => (b.includedAt ?? Number.NaN) - b.publishedAt)
    .sort((a, b) => a - b);
  const p95 = blobLatency[Math.floor(blobLatency.length * 0.95)] ?? Number.NaN;
  console.log(
    `sustained load (seed ${cluster.seed}): ${load.submitted().length} txs at 15 tx/s and ${da.sent} blobs at 3 blobs/s on ${da.channels.join(', ')} over ${profile.sustainedMs / 1000} s; all txs included; all blobs included (p95 ${(p95 / 1000).toFixed(1)} s after publish) and rebuilt on another node`,
  );
});
