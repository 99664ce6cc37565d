/**
 * Scenario 4, tx propagation and inclusion: one batch of transfers is sent to several
 * nodes, each node getting the whole batch in its own random order at random offsets.
 * Every tx must reach every node quickly, be included exactly once, nothing may be
 * dropped, and every node must end with the same state. Small blocks (50 txs in CI, 200 in full) keep txs
 * pending long enough that propagation, not block luck, decides where they are.
 *
 * CI profile: 300 txs to 3 of 4 nodes within 0.5 s. `CHAINLAB_PROFILE=full`: 2,000 txs to
 * every node within 3 s (propagation bound 5 s: slots are 1 s there).
 */

import { createClusterTest, propagation } from 'chainlab/vitest';
import { expect } from 'vitest';
import { scenarioProfile } from './profile.ts';

const profile = scenarioProfile();
const full = profile.name === 'full';

const test = createClusterTest({
  validators: 3,
  executors: 1,
  wallets: full ? 100 : 16,
  ...profile.slots,
  maxBlockTxs: full ? 200 : 50,
  name: 'tx-propagation',
});

test(
  'a batch sent to several nodes in random order is included exactly once, with equal state everywhere',
  async ({ cluster, background }) => {
    const since = cluster.recording.now();
    const batch = await background(
      propagation({ batch: full ? 2000 : 300, nodes: full ? 'all' : 3, jitter: full ? 3000 : 500 }),
    );
    await batch.done;
    expect(batch.deliveries()).toHaveLength((full ? 2000 : 300) * batch.targets.length);

    await expect(cluster).toIncludeExactlyOnce(batch, {
      within: full ? 120_000 : 40_000,
      propagateWithin: full ? 5000 : 2000,
    });
    await expect(cluster).toConverge();
    await expect(cluster).toConserveSupply();
    await expect(cluster).toStayLive({ since });
  },
  profile.timeout(full ? 240_000 : 60_000),
);
